import { describe } from 'vitest';
import { crashAndResume } from './harness.ts';

describe('crash and resume: ElastiCache', () => crashAndResume('sessions-cache', 'cec', { create: 12, delete: 8 }));
