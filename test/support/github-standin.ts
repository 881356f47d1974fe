import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintGithubToken, type GithubTokenOptions } from '../../sandbox/core/oidc.ts';
import type { World } from '../../sandbox/core/world.ts';

/**
 * GitHub as a workflow job sees it, on loopback: the OIDC token endpoint (GET ACTIONS_ID_TOKEN_REQUEST_URL with
 * the request token as bearer and audience sts.amazonaws.com; tokens signed by the sandbox's GitHub issuer) and
 * the API's `GET /users/<actor>/keys` (the actor's published SSH public keys, from the `.pub` files given).
 */
export interface GithubStandIn {
  /** ACTIONS_ID_TOKEN_REQUEST_URL. */
  tokenUrl: string;
  /** GITHUB_API_URL. */
  apiUrl: string;
  requestToken: string;
  close(): Promise<void>;
}

export async function startGithubStandIn(world: World, token: GithubTokenOptions, publicKeys: Record<string, string>): Promise<GithubStandIn> {
  const requestToken = 'request-token';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const user = /^\/users\/([^/]+)\/keys$/.exec(url.pathname)?.[1];
    if (user) {
      const keys = publicKeys[user] ? [{ id: 1, key: readFileSync(publicKeys[user], 'utf8').trim() }] : [];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(keys));
      return;
    }
    if (req.headers.authorization !== `Bearer ${requestToken}` || url.searchParams.get('audience') !== 'sts.amazonaws.com') {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: mintGithubToken(world, token) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    tokenUrl: `${origin}/token?run=1`,
    apiUrl: origin,
    requestToken,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
