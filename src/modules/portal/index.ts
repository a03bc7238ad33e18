// What other parts of the service use of the portal: its periodic clean-up.
export { purgePortalLeftovers } from './portal.tasks.js';
