import { addDecimals, compareDecimals, formatCount, formatRatioPercent, formatUsd, subtractDecimals, sumCounts } from './decimal';

describe('money as the API sends it', () => {
  it('keeps every digit and groups the integer part', () => {
    expect(formatUsd('1234567.000000000000000001')).toBe('$1,234,567.000000000000000001');
    expect(formatUsd('17.506545375')).toBe('$17.506545375');
    expect(formatUsd('0')).toBe('$0');
    expect(formatUsd('999')).toBe('$999');
    expect(formatUsd('1000')).toBe('$1,000');
    expect(formatUsd('-0.006986')).toBe('−$0.006986');
    expect(formatUsd('-0')).toBe('$0');
    expect(formatUsd(null)).toBe('—');
  });

  it('adds, subtracts and orders exactly where floats would not', () => {
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(addDecimals('9007199254740993', '0.000000000000000001')).toBe('9007199254740993.000000000000000001');
    expect(subtractDecimals('21.808765375', '17.506545375')).toBe('4.30222');
    expect(subtractDecimals('0.0193', '0.026222')).toBe('-0.006922');
    expect(compareDecimals('0.30000000000000001', '0.3')).toBe(1);
    expect(compareDecimals('-1', '0.5')).toBe(-1);
    expect(compareDecimals('2.50', '2.5')).toBe(0);
  });

  it('sums and groups counts past 2^53', () => {
    expect(sumCounts(Number.MAX_SAFE_INTEGER, 2, '3')).toBe(9007199254740996n);
    expect(formatCount(9007199254740996n)).toBe('9,007,199,254,740,996');
    expect(formatCount(4835328)).toBe('4,835,328');
  });

  it('shows a drift ratio as a percentage by moving the point', () => {
    expect(formatRatioPercent('1.667246')).toBe('+166.72%');
    expect(formatRatioPercent('-0.384295')).toBe('−38.42%');
    expect(formatRatioPercent('0.05')).toBe('+5%');
    expect(formatRatioPercent('0.000000')).toBe('0%');
    expect(formatRatioPercent('10.975725')).toBe('+1097.57%');
    expect(formatRatioPercent(null)).toBe('—');
  });
});
