import { Normalizer } from './normalizer';

// TODO(issue 16): claims nothing until its normalizer is written.
export const geminiCli: Normalizer = {
  source: 'gemini-cli',
  claims: () => false,
  normalize: () => [],
};
