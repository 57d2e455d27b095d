import { Normalizer } from './normalizer';

// TODO(issue 16): claims nothing until its normalizer is written.
export const vercelAi: Normalizer = {
  source: 'vercel-ai',
  claims: () => false,
  normalize: () => [],
};
