/**
 * The bundled price table: AWS on-demand list prices in USD, Single-AZ, by region and price key (see
 * docs/cost.md for where they come from and how to refresh them). Estimates only: no discounts, taxes,
 * I/O, backup storage or data transfer.
 */
export const PRICE_TABLE = {
  date: '2026-11-23',
  currency: 'USD',
  regions: {
    'us-east-1': {
      // per instance-hour
      'rds/mysql/db.t4g.micro': 0.016,
      'rds/mysql/db.t4g.small': 0.032,
      'rds/mysql/db.t4g.medium': 0.065,
      'rds/mysql/db.t4g.large': 0.129,
      'rds/mysql/db.t3.micro': 0.017,
      'rds/mysql/db.t3.small': 0.034,
      'rds/mysql/db.t3.medium': 0.068,
      'rds/postgres/db.t4g.micro': 0.016,
      'rds/postgres/db.t4g.small': 0.032,
      'rds/postgres/db.t4g.medium': 0.065,
      'rds/postgres/db.t4g.large': 0.129,
      'rds/postgres/db.t3.micro': 0.018,
      'rds/postgres/db.t3.small': 0.036,
      'rds/postgres/db.t3.medium': 0.072,
      'rds/mariadb/db.t4g.micro': 0.016,
      'rds/mariadb/db.t4g.small': 0.032,
      'rds/mariadb/db.t4g.medium': 0.065,
      // per GB-month
      'rds/storage/gp2': 0.115,
      'rds/storage/gp3': 0.115,
    },
    'ap-northeast-1': {
      'rds/mysql/db.t4g.micro': 0.025,
      'rds/mysql/db.t4g.small': 0.05,
      'rds/mysql/db.t4g.medium': 0.1,
      'rds/mysql/db.t4g.large': 0.2,
      'rds/mysql/db.t3.micro': 0.026,
      'rds/mysql/db.t3.small': 0.052,
      'rds/mysql/db.t3.medium': 0.104,
      'rds/postgres/db.t4g.micro': 0.025,
      'rds/postgres/db.t4g.small': 0.05,
      'rds/postgres/db.t4g.medium': 0.1,
      'rds/postgres/db.t4g.large': 0.2,
      'rds/postgres/db.t3.micro': 0.028,
      'rds/postgres/db.t3.small': 0.056,
      'rds/postgres/db.t3.medium': 0.112,
      'rds/mariadb/db.t4g.micro': 0.025,
      'rds/mariadb/db.t4g.small': 0.05,
      'rds/mariadb/db.t4g.medium': 0.1,
      'rds/storage/gp2': 0.138,
      'rds/storage/gp3': 0.138,
    },
  } as Record<string, Record<string, number>>,
};
