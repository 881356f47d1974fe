/** What snapclone clones, engine by engine, as error messages name it (issue 19: other engines are refused). */
export const SUPPORTED_ENGINES_TEXT =
  'rds: mysql, postgres, mariadb; aurora: aurora-mysql, aurora-postgresql; elasticache: redis, valkey; opensearch: OpenSearch and Elasticsearch domains';
