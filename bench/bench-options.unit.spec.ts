import { DEFAULT_LIVE_BASELINE, parseOptions, UsageError } from './bench-options';

describe('bench options: the live phase side by side', () => {
  it('runs this checkout as role all and as an api with 2 projectors, and the issue\'s baseline commit, by default', () => {
    const o = parseOptions([]);
    expect(o.liveTopologies).toEqual(['all', 2]);
    expect(o.liveBaseline).toBe(DEFAULT_LIVE_BASELINE);
    expect(DEFAULT_LIVE_BASELINE).toBe('ae78b07');
  });

  it('keeps the quick and smoke runs to role all, with no baseline to build, unless asked', () => {
    for (const flag of ['--quick', '--smoke']) {
      const o = parseOptions([flag]);
      expect({ topologies: o.liveTopologies, baseline: o.liveBaseline }).toEqual({ topologies: ['all'], baseline: undefined });
    }
    expect(parseOptions(['--quick', '--live-baseline', 'HEAD~3', '--live-projectors=all,1,3'])).toMatchObject({ liveBaseline: 'HEAD~3', liveTopologies: ['all', 1, 3] });
  });

  it('skips the baseline with none', () => {
    expect(parseOptions(['--live-baseline', 'none']).liveBaseline).toBeUndefined();
  });

  it.each([
    [['--live-projectors', '0'], 'projector count'],
    [['--live-projectors', 'all,two'], 'projector count'],
    [['--live-projectors', '2,2'], 'twice'],
    [['--live-baseline', 'main;rm -rf /'], 'git ref'],
    [['--live-baseline'], 'needs a value'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(UsageError);
    expect(() => parseOptions(argv)).toThrow(message);
  });
});
