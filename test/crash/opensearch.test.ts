import { describe } from 'vitest';
import { crashAndResume } from './harness.ts';

describe('crash and resume: OpenSearch', () => crashAndResume('catalog-search', 'cos', { create: 12, delete: 8 }));
