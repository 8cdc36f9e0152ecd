// A tiny path router: `/channels/:channelId/messages/:messageId` → params. Paths come decoded.

export interface RouteMatch<H> {
  readonly handler: H;
  readonly template: string;
  readonly params: Readonly<Record<string, string>>;
}

interface Route<H> {
  readonly method: string;
  readonly template: string;
  readonly segments: readonly string[];
  readonly handler: H;
}

export class RestRouter<H> {
  private readonly routes: Route<H>[] = [];

  add(method: string, template: string, handler: H): this {
    this.routes.push({ method, template, segments: template.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, path: string): RouteMatch<H> | undefined {
    const parts = path.split('/').filter(Boolean);
    // Literal segments win over parameters, so `/users/@me` beats `/users/:userId`.
    const candidates = this.routes
      .filter((route) => route.method === method && route.segments.length === parts.length)
      .sort((a, b) => literalCount(b) - literalCount(a));
    for (const route of candidates) {
      const params: Record<string, string> = {};
      const ok = route.segments.every((segment, index) => {
        const part = parts[index] ?? '';
        if (segment.startsWith(':')) {
          params[segment.slice(1)] = part;
          return true;
        }
        return segment === part;
      });
      if (ok) return { handler: route.handler, template: route.template, params };
    }
    return undefined;
  }
}

function literalCount<H>(route: Route<H>): number {
  return route.segments.filter((segment) => !segment.startsWith(':')).length;
}
