import type { ServiceDef } from '../core/service.ts';
import { sts } from './sts/index.ts';

/** Every service the sandbox serves, by SigV4 signing name. */
export const services: Record<string, ServiceDef> = {
  sts,
};
