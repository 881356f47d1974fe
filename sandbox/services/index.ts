import type { ServiceDef } from '../core/service.ts';
import { backup } from './backup/index.ts';
import { ec2 } from './ec2/index.ts';
import { elasticache } from './elasticache/index.ts';
import { iam } from './iam/index.ts';
import { opensearch } from './opensearch/index.ts';
import { rds } from './rds/index.ts';
import { s3 } from './s3/index.ts';
import { secretsmanager } from './secretsmanager/index.ts';
import { ssm } from './ssm/index.ts';
import { sts } from './sts/index.ts';
import { tagging } from './tagging/index.ts';

/** Every service the sandbox serves, by SigV4 signing name. */
export const services: Record<string, ServiceDef> = {
  sts,
  tagging,
  secretsmanager,
  rds,
  elasticache,
  backup,
  iam,
  ssm,
  es: opensearch,
  ec2,
  s3,
};
