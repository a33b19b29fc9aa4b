/**
 * Sub-applications mounted under a path prefix, outside the JSON API's route
 * table: each has its own guard, checked by the matrix test.
 * - /admin/queues: bull-board (operator only);
 * - /console: the web console's static files (public; its API calls carry credentials).
 */
export const MOUNTED_PAGES = ['/admin/queues', '/console'] as const;
