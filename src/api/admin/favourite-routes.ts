import { z } from 'zod';
import type { FavouriteType } from '../../catalog/index.ts';
import { adminOf, type AdminApp, type AdminDeps } from './admin-context.ts';

const idParams = z.object({ id: z.string().min(1).max(64) });

/**
 * Stars: `PUT /datasets/:id/star` and `/widgets/:id/star` star a resource of the
 * tenant for the signed-in admin, `DELETE` takes the star off. Personal, so not audited,
 * and open to every role (a viewer stars too).
 */
export function registerFavouriteRoutes(admin: AdminApp, deps: AdminDeps): void {
  const { catalog } = deps;
  const routes: [FavouriteType, string, string][] = [
    ['dataset', '/datasets/:id/star', 'datasets'],
    ['widget', '/widgets/:id/star', 'widgets'],
  ];
  for (const [type, path, tag] of routes) {
    admin.put(
      path,
      {
        config: { role: 'viewer' },
        schema: {
          tags: [tag],
          summary: `Stars the ${type} for the signed-in admin (a favourite); starring twice is the same as once`,
          params: idParams,
          response: { 204: z.void().describe('Starred') },
        },
      },
      async (req, reply) => {
        const a = adminOf(req);
        await catalog.favourites.star(a.tenantId, a.userId, type, req.params.id);
        return reply.code(204).send();
      },
    );
    admin.delete(
      path,
      {
        config: { role: 'viewer' },
        schema: {
          tags: [tag],
          summary: `Takes the signed-in admin’s star off the ${type}`,
          params: idParams,
          response: { 204: z.void().describe('Not starred') },
        },
      },
      async (req, reply) => {
        const a = adminOf(req);
        await catalog.favourites.unstar(a.tenantId, a.userId, type, req.params.id);
        return reply.code(204).send();
      },
    );
  }
}
