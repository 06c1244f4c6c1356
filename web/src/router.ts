import { createRouter, createWebHistory } from 'vue-router';
import { loadSession, setupRequired, useSession } from './session.ts';

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes: [
    { path: '/', redirect: '/settings/public-api' },
    { path: '/sign-in', component: () => import('./pages/SignInPage.vue'), meta: { bare: true, title: 'Sign in' } },
    {
      path: '/setup',
      component: () => import('./pages/SetupPage.vue'),
      meta: { bare: true, title: 'Set up datagate' },
    },
    {
      path: '/settings/public-api',
      component: () => import('./pages/PublicApiPage.vue'),
      meta: { title: 'Public API', section: 'Settings' },
    },
    { path: '/datasets', component: () => import('./pages/DatasetsPage.vue'), meta: { title: 'Datasets' } },
    { path: '/widgets', component: () => import('./pages/WidgetsPage.vue'), meta: { title: 'Widgets' } },
    { path: '/widgets/new', component: () => import('./pages/WidgetBuilderPage.vue'), meta: { title: 'New widget' } },
    { path: '/widgets/:id', component: () => import('./pages/WidgetBuilderPage.vue'), meta: { title: 'Widget' } },
    { path: '/usage', component: () => import('./pages/UsagePage.vue'), meta: { title: 'Usage' } },
    { path: '/audit', component: () => import('./pages/AuditPage.vue'), meta: { title: 'Audit log' } },
    { path: '/users', component: () => import('./pages/UsersPage.vue'), meta: { title: 'Users' } },
    { path: '/tokens', component: () => import('./pages/TokensPage.vue'), meta: { title: 'Tokens' } },
    { path: '/:pathMatch(.*)*', component: () => import('./pages/NotFoundPage.vue'), meta: { title: 'Not found' } },
  ],
});

/** Where to go after signing in: the `next` query if it is a path inside the console, else home. */
export function nextPath(next: unknown): string {
  return typeof next === 'string' &&
    next.startsWith('/') &&
    !next.startsWith('//') &&
    !next.startsWith('/sign-in') &&
    !next.startsWith('/setup')
    ? next
    : '/';
}

// Pages with app chrome need a session. The first navigation asks the server; later ones
// trust the store (a 401 from any call signs the console out, see App.vue).
router.beforeEach(async (to) => {
  const session = useSession();
  if (!session.checked) {
    try {
      await loadSession();
    } catch {
      /* server unreachable: treated as signed out; the sign-in page shows the error when used */
    }
  }
  if (to.meta.bare) {
    // Signed-in admins have nothing to do on the sign-in or setup page.
    if (session.user) return nextPath(to.query.next);
    return true;
  }
  if (session.user) return true;
  if (await setupRequired()) return { path: '/setup' };
  return { path: '/sign-in', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
});

router.afterEach((to) => {
  const title = typeof to.meta.title === 'string' ? to.meta.title : '';
  document.title = title ? `${title} · datagate` : 'datagate';
});
