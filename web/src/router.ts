import { createRouter, createWebHistory } from 'vue-router';

export const router = createRouter({
  history: createWebHistory('/admin/'),
  routes: [
    { path: '/', redirect: '/settings/public-api' },
    { path: '/sign-in', component: () => import('./pages/SignInPage.vue'), meta: { bare: true } },
    { path: '/setup', component: () => import('./pages/SetupPage.vue'), meta: { bare: true } },
    { path: '/settings/public-api', component: () => import('./pages/PublicApiPage.vue'), meta: { title: 'Public API' } },
    { path: '/datasets', component: () => import('./pages/DatasetsPage.vue'), meta: { title: 'Datasets' } },
    { path: '/widgets', component: () => import('./pages/WidgetsPage.vue'), meta: { title: 'Widgets' } },
    { path: '/widgets/new', component: () => import('./pages/WidgetBuilderPage.vue'), meta: { title: 'New widget' } },
    { path: '/widgets/:id', component: () => import('./pages/WidgetBuilderPage.vue'), meta: { title: 'Widget' } },
    { path: '/usage', component: () => import('./pages/UsagePage.vue'), meta: { title: 'Usage' } },
    { path: '/audit', component: () => import('./pages/AuditPage.vue'), meta: { title: 'Audit log' } },
    { path: '/users', component: () => import('./pages/UsersPage.vue'), meta: { title: 'Users' } },
    { path: '/:pathMatch(.*)*', component: () => import('./pages/NotFoundPage.vue'), meta: { title: 'Not found' } },
  ],
});
