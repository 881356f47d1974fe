import { describe } from 'vitest';
import { crashAndResume } from './harness.ts';

describe('crash and resume: Aurora', () => crashAndResume('catalog-db', 'caur', { create: 12, delete: 8 }));
