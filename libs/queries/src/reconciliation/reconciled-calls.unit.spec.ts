import { exactRatio } from './reconciled-calls';

describe('exactRatio', () => {
  it.each([
    ['0.001', '0.02', '0.05'],
    ['-0.001', '0.02', '-0.05'],
    ['0', '0.5', '0'],
    ['1', '3', '0.333333'],
    ['2', '3', '0.666667'],
    ['-2', '3', '-0.666667'],
    // Exactly half at the 7th place: to the even neighbour, either way of zero.
    ['0.0000005', '1', '0'],
    ['0.0000015', '1', '0.000002'],
    ['0.0000025', '1', '0.000002'],
    ['-0.0000025', '1', '-0.000002'],
    ['-0.0000005', '1', '0'],
    // Just above half, far beyond what a 20-place quotient rounded again would see.
    ['0.000000500000000000000000001', '1', '0.000001'],
    ['1', '-4', '-0.25'],
  ])('%s / %s is %s', (n, d, expected) => {
    expect(exactRatio(n, d)).toBe(expected);
  });

  it('has no ratio to a zero denominator', () => {
    expect(exactRatio('0.01', '0')).toBeNull();
  });
});
