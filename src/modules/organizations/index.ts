// What other modules may use of organizations.
export { findOrganization, type Organization, resolveOrganization } from './organizations.service.js';
