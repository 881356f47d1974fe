/** Tags as the APIs answer them: a list of { Key, Value } (from a Map or a plain record). */
export const tagList = (tags: Map<string, string> | Record<string, string>) =>
  [...(tags instanceof Map ? tags : Object.entries(tags))].map(([Key, Value]) => ({ Key, Value }));
