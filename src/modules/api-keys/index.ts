// What other modules may use of api-keys: recognizing a caller by its key.
export { type AuthContext, authenticate } from './api-keys.service.js';
