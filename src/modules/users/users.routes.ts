import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppInstance } from '../../platform/http/app-instance.js';
import { readCookie, SESSION_COOKIE, tenantOf, userOf } from '../../platform/http/auth.js';
import { AppError } from '../../platform/http/errors.js';
import { commonErrors, DataEnvelope, IdParams, ListEnvelope, Timestamp } from '../../platform/http/schemas.js';
import { permissionsOf, ROLES, type Role } from './permissions.js';
import { changeRole, listManagedUsers, type ManagedUser, removeUser, unlockUser } from './user-admin.service.js';
import { inviteUser, requestPasswordReset, resendInvitation, setPasswordWithToken } from './password-links.service.js';
import { changePassword, createUser, login, logout, needsSetup, resolveSession, type Session, setupFirstAdmin, type User } from './users.service.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: RoleSchema,
  createdAt: Timestamp,
  pending: Type.Boolean({ description: 'Invited and has not chosen a password yet' }),
});
const ManagedUserSchema = Type.Object({
  ...UserSchema.properties,
  lockedUntil: Type.Union([Timestamp, Type.Null()], {
    description: 'Until when repeated failed sign-ins lock this user out (POST /users/{id}/unlock lifts it); null when not locked',
  }),
});
const SessionSchema = Type.Object({ user: UserSchema, csrfToken: Type.String(), permissions: Type.Array(Type.String()) });
// The rules the service enforces (with its own messages) are stated here for the OpenAPI document.
const Email = Type.String({ minLength: 3, maxLength: 320, description: 'An email address (local@domain.tld); compared without case.' });
const Password = Type.String({ minLength: 1, maxLength: 200, description: 'At sign-in, the password as set.' });
const NewPassword = Type.String({
  minLength: 1,
  maxLength: 200,
  description:
    'A new password: at least 10 characters and strong enough (zxcvbn score 3 or more, not built from the email); refused with 400 and advice otherwise.',
});
const Credentials = Type.Object({ email: Email, password: Password }, { additionalProperties: false });
// The token is optional in the schema so that a missing one is a 403 like a wrong one, not a 400.
const SetupBody = Type.Object(
  {
    email: Email,
    password: NewPassword,
    setupToken: Type.Optional(Type.String({ maxLength: 200, description: 'The one-time token the server printed in its log at start' })),
  },
  { additionalProperties: false },
);

const renderUser = (u: User) => ({ id: u.id, email: u.email, role: u.role, createdAt: u.createdAt.toISOString(), pending: u.pending });
const renderManagedUser = (u: ManagedUser) => ({ ...renderUser(u), lockedUntil: u.lockedUntil?.toISOString() ?? null });
const renderSession = (user: User, csrfToken: string) => ({ user: renderUser(user), csrfToken, permissions: [...permissionsOf(user.role)] });

export default async function userRoutes(app: AppInstance) {
  const tags = ['Dashboard'];
  const httpsPublicUrl = app.config.publicUrl.startsWith('https://');
  // Behind a TLS-terminating proxy, request.protocol follows X-Forwarded-Proto (with trustProxy).
  const setCookie = (request: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number) => {
    const secure = httpsPublicUrl || request.protocol === 'https';
    reply.header('set-cookie', `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`);
  };
  const startSession = async (request: FastifyRequest, reply: FastifyReply, email: string, password: string) =>
    answerSession(request, reply, await login(app.db, app.config, email, password));
  const answerSession = (request: FastifyRequest, reply: FastifyReply, session: Session) => {
    setCookie(request, reply, session.token, app.config.sessionTtlHours * 3600);
    return { data: renderSession(session.user, session.csrfToken) };
  };

  app.get('/auth/setup', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Whether the first admin still has to be created',
      security: [],
      response: { 200: DataEnvelope(Type.Object({ needsSetup: Type.Boolean() })) },
    },
    handler: async () => ({ data: { needsSetup: await needsSetup(app.db) } }),
  });

  app.post('/auth/setup', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Create the first admin (only on an empty installation, with the setup token the server printed at start) and sign in',
      security: [],
      body: SetupBody,
      response: { 201: DataEnvelope(SessionSchema), ...commonErrors, 409: Type.Ref('ErrorResponse') },
    },
    handler: async (request, reply) => {
      await setupFirstAdmin(app.db, app.config, request.body);
      return reply.status(201).send(await startSession(request, reply, request.body.email, request.body.password));
    },
  });

  app.post('/auth/login', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Sign in to the dashboard (sets an HTTP-only session cookie)',
      security: [],
      body: Credentials,
      response: { 200: DataEnvelope(SessionSchema), ...commonErrors, 429: Type.Ref('ErrorResponse') },
    },
    handler: async (request, reply) => startSession(request, reply, request.body.email, request.body.password),
  });

  app.get('/auth/session', {
    config: { permission: 'signed_in', dashboardOnly: true },
    schema: { tags, summary: 'The signed-in user, their permissions and the CSRF token', response: { 200: DataEnvelope(SessionSchema), ...commonErrors } },
    handler: async (request) => {
      const session = await resolveSession(app.db, readCookie(request.headers.cookie, SESSION_COOKIE) ?? '');
      if (!session) throw new AppError('unauthorized', 'Your session has expired. Sign in again.');
      return { data: renderSession(session.user, session.csrfToken) };
    },
  });

  app.post('/auth/logout', {
    config: { permission: 'signed_in', dashboardOnly: true },
    schema: {
      tags,
      summary: 'Sign out: the session ends on the server too',
      response: { 200: DataEnvelope(Type.Object({ signedOut: Type.Boolean() })), ...commonErrors },
    },
    handler: async (request, reply) => {
      await logout(app.db, readCookie(request.headers.cookie, SESSION_COOKIE) ?? '');
      setCookie(request, reply, '', 0);
      return { data: { signedOut: true } };
    },
  });

  app.post('/auth/password', {
    config: { permission: 'signed_in', dashboardOnly: true },
    schema: {
      tags,
      summary: 'Change my password (the current one is required); my other sessions end',
      body: Type.Object({ currentPassword: Password, newPassword: NewPassword }, { additionalProperties: false }),
      response: {
        200: DataEnvelope(Type.Object({ passwordChanged: Type.Boolean(), otherSessionsEnded: Type.Integer() })),
        ...commonErrors,
        409: Type.Ref('ErrorResponse'),
        429: Type.Ref('ErrorResponse'),
      },
    },
    handler: async (request) => {
      const ended = await changePassword(app.db, app.config, {
        userId: userOf(request).id,
        sessionToken: readCookie(request.headers.cookie, SESSION_COOKIE) ?? '',
        currentPassword: request.body.currentPassword,
        newPassword: request.body.newPassword,
      });
      return { data: { passwordChanged: true, otherSessionsEnded: ended } };
    },
  });

  app.post('/auth/password/reset', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Ask for a password reset link by email (valid 1 hour); the answer is the same whether or not the email has an account',
      security: [],
      body: Type.Object({ email: Email }, { additionalProperties: false }),
      response: { 202: DataEnvelope(Type.Object({ requested: Type.Boolean() })), ...commonErrors, 429: Type.Ref('ErrorResponse') },
    },
    handler: async (request, reply) => {
      await requestPasswordReset(app.db, request.body.email);
      return reply.status(202).send({ data: { requested: true } });
    },
  });

  app.post('/auth/password/set', {
    config: { public: true },
    schema: {
      tags,
      summary: 'Choose a password with the token of an invitation or reset link (single use); ends every other session and signs in',
      security: [],
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), password: Password }, { additionalProperties: false }),
      response: { 200: DataEnvelope(SessionSchema), ...commonErrors, 429: Type.Ref('ErrorResponse') },
    },
    handler: async (request, reply) => answerSession(request, reply, await setPasswordWithToken(app.db, app.config, request.body)),
  });

  app.get('/users', {
    config: { permission: 'users:manage', dashboardOnly: true },
    schema: { tags, summary: 'Users of the organization, with their sign-in locks', response: { 200: ListEnvelope(ManagedUserSchema), ...commonErrors } },
    handler: async (request) => ({
      data: (await listManagedUsers(app.db, tenantOf(request).organizationId)).map(renderManagedUser),
      hasMore: false,
      nextCursor: null,
    }),
  });

  app.patch('/users/:id', {
    config: { permission: 'users:manage', dashboardOnly: true },
    schema: {
      tags,
      summary: "Change a user's role; it applies from their next request. The organization's last admin keeps the role (409).",
      params: IdParams,
      body: Type.Object({ role: RoleSchema }, { additionalProperties: false }),
      response: { 200: DataEnvelope(ManagedUserSchema), ...commonErrors, 409: Type.Ref('ErrorResponse') },
    },
    handler: async (request) => ({
      data: renderManagedUser(await changeRole(app.db, tenantOf(request).organizationId, request.params.id, request.body.role as Role)),
    }),
  });

  app.post('/users/:id/unlock', {
    config: { permission: 'users:manage', dashboardOnly: true },
    schema: {
      tags,
      summary: 'Lift the lock repeated failed sign-ins put on a user, and forget those failures',
      params: IdParams,
      response: { 200: DataEnvelope(ManagedUserSchema), ...commonErrors },
    },
    handler: async (request) => ({ data: renderManagedUser(await unlockUser(app.db, tenantOf(request).organizationId, request.params.id)) }),
  });

  app.post('/users', {
    config: { permission: 'users:manage', dashboardOnly: true },
    schema: {
      tags,
      summary: 'Invite a user: an account with a role, and an email with a link to choose their password (valid 72 hours)',
      body: Type.Object(
        {
          email: Email,
          role: RoleSchema,
          password: Type.Optional(
            Type.String({ minLength: 1, maxLength: 200, description: 'Deprecated: a first password to hand over yourself, instead of the invitation email' }),
          ),
        },
        { additionalProperties: false },
      ),
      response: { 201: DataEnvelope(UserSchema), ...commonErrors, 409: Type.Ref('ErrorResponse') },
    },
    handler: async (request, reply) => {
      const input = { organizationId: tenantOf(request).organizationId, email: request.body.email, role: request.body.role as Role };
      const user =
        request.body.password === undefined
          ? await inviteUser(app.db, { ...input, invitedBy: userOf(request).email })
          : await createUser(app.db, app.config, { ...input, password: request.body.password, createdBy: userOf(request).email });
      return reply.status(201).send({ data: renderUser(user) });
    },
  });

  app.post('/users/:id/invitation', {
    config: { permission: 'users:manage', dashboardOnly: true },
    schema: {
      tags,
      summary: 'Send a pending user a new invitation email; the previous link stops working',
      params: IdParams,
      response: { 202: DataEnvelope(UserSchema), ...commonErrors, 409: Type.Ref('ErrorResponse') },
    },
    handler: async (request, reply) =>
      reply.status(202).send({ data: renderUser(await resendInvitation(app.db, tenantOf(request).organizationId, request.params.id, userOf(request).email)) }),
  });

  app.delete('/users/:id', {
    config: { permission: 'users:manage', dashboardOnly: true },
    schema: {
      tags,
      summary: 'Remove a user (their sessions end with them); never oneself (400) nor the last admin (409)',
      params: IdParams,
      response: { 200: DataEnvelope(Type.Object({ removed: Type.Boolean() })), ...commonErrors, 409: Type.Ref('ErrorResponse') },
    },
    handler: async (request) => {
      await removeUser(app.db, tenantOf(request).organizationId, request.params.id, userOf(request).id);
      return { data: { removed: true } };
    },
  });
}
