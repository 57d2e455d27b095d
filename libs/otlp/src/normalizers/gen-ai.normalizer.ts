import { Normalizer } from './normalizer';

// TODO(issue 16): claims nothing until its normalizer is written.
export const genAi: Normalizer = {
  source: 'gen-ai',
  claims: () => false,
  normalize: () => [],
};
