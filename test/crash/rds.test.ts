import { describe } from 'vitest';
import { crashAndResume } from './harness.ts';

describe('crash and resume: RDS', () => crashAndResume('orders-db', 'crds', { create: 12, delete: 8 }));
