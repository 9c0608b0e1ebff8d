import type { IncomingMessage } from 'node:http';
import { constants as zlibConstants } from 'node:zlib';
import compress from '@fastify/compress';
import multipart from '@fastify/multipart';
import { MikroORM } from '@mikro-orm/postgresql';
import { INestApplicationContext, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Logger as PinoLogger } from 'pino';
import { AppModule } from 'src/app.module';
import { runInRequestContext } from 'src/database/lazy-request-context';
import { ALL_HTTP_LAYERS, HttpLayer } from 'src/common/http/http-layers';
import {
  clientErrorReply,
  frameworkErrorReply,
  hardenRequestPipeline,
  securityHeaders,
  skipCompressionOfDownloads,
} from 'src/common/http/request-pipeline';
import { AppLogger, registerRequestLog, requestIdFrom } from 'src/common/logging/logging';
import { ROOT_LOGGER } from 'src/common/logging/logging.module';
import { AppConfigService } from 'src/config/app-config.service';
import type { EnvSchema } from 'src/config/env.schema';
import { MetricsService } from 'src/modules/metrics/metrics.service';
import { PACKAGE } from 'src/common/package-info';
import { RedisIoAdapter } from 'src/realtime/redis-io.adapter';

export const API_PREFIX = 'api/v1';
/** Routes that stay at the root, outside `/api/v1`. */
const ROOT_ROUTES = [
  { path: 'health/live', method: RequestMethod.GET },
  { path: 'health/ready', method: RequestMethod.GET },
  { path: 'metrics', method: RequestMethod.GET },
];

/** Swagger UI at /docs needs inline styles and scripts; everything else is JSON. */
const CONTENT_SECURITY_POLICY = {
  directives: {
    defaultSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
    scriptSrc: ["'self'", "'unsafe-inline'"],
    upgradeInsecureRequests: null,
  },
};

/** Responses smaller than this are sent as they are: compressing them costs more than it saves. */
const COMPRESSION_THRESHOLD_BYTES = 1024;

/** Fastify's own settings: body limit, proxies, request ids, and the error shape for what fails before routing. */
export function fastifyAdapter(env: EnvSchema): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: env.BODY_LIMIT_BYTES,
    trustProxy: env.TRUST_PROXY,
    requestIdHeader: false,
    // Keep a well-formed incoming X-Request-Id, else generate one.
    genReqId: (raw: IncomingMessage) => requestIdFrom(raw.headers['x-request-id']),
    // The router's errors (a path parameter over maxParamLength, a malformed URL) and the HTTP parser's (headers or
    // request line over maxHeaderSize) in the error shape, never echoing the path.
    frameworkErrors: frameworkErrorReply,
    clientErrorHandler: clientErrorReply,
  });
}

/**
 * Builds the HTTP application: Fastify with body limit and request ids, security headers, CORS, prefix, metrics,
 * the request log, compression, docs, and the Socket.IO server of the realtime gateways. `layers` is every layer
 * (`ALL_HTTP_LAYERS`) except in `npm run bench:pipeline`, which prices them one at a time.
 */
export async function createHttpApp(
  env: EnvSchema,
  extra: Parameters<typeof AppModule.forRoot>[1] = [],
  layers: readonly HttpLayer[] = ALL_HTTP_LAYERS,
): Promise<NestFastifyApplication> {
  const has = new Set(layers);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(env, extra, layers),
    fastifyAdapter(env),
    {
      bufferLogs: true,
      // Only the JSON parser of hardenRequestPipeline (and multipart, for upload routes): no urlencoded bodies.
      bodyParser: false,
    },
  );
  app.useLogger(app.get(AppLogger));
  app.flushLogs();
  const config = app.get(AppConfigService);
  const fastify = app.getHttpAdapter().getInstance();
  hardenRequestPipeline(fastify, env.BODY_LIMIT_BYTES);

  // Each request gets its own MikroORM context (an EntityManager fork, made when first used), entered in a Fastify
  // hook rather than a Nest middleware: no middleware engine on the request path.
  const orm = app.get(MikroORM);
  fastify.addHook('onRequest', (_request, _reply, done) => runInRequestContext(orm.em, done));

  if (has.has(HttpLayer.Hardening)) {
    const headers = securityHeaders({ contentSecurityPolicy: CONTENT_SECURITY_POLICY });
    fastify.addHook('onRequest', (request, reply, done) => {
      void reply.headers(headers).header('x-request-id', request.id);
      done();
    });
  }
  if (has.has(HttpLayer.Metrics)) {
    const metrics = app.get(MetricsService);
    fastify.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
  if (has.has(HttpLayer.RequestLog)) {
    registerRequestLog(fastify, app.get<PinoLogger>(ROOT_LOGGER));
  }
  if (has.has(HttpLayer.Compression)) {
    // gzip or brotli as the client prefers, for bodies over the threshold; file downloads are sent as they are.
    skipCompressionOfDownloads(fastify);
    await app.register(compress, {
      threshold: COMPRESSION_THRESHOLD_BYTES,
      encodings: ['br', 'gzip'],
      brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } },
    });
  }
  // multipart/form-data for attachment uploads (only @AcceptsMultipart() routes), streamed to disk by the route.
  await app.register(multipart, {
    limits: {
      fileSize: config.mailSend.attachmentMaxBytes,
      files: config.mailSend.attachmentMaxFiles,
      fields: 0,
      parts: 100,
    },
    throwFileSizeLimit: true,
  });
  const { corsOrigins } = config.http;
  if (corsOrigins) {
    app.enableCors({
      origin: corsOrigins === '*' ? true : corsOrigins,
      credentials: corsOrigins !== '*',
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'ETag'],
      maxAge: 600,
    });
  }
  app.setGlobalPrefix(API_PREFIX, { exclude: ROOT_ROUTES });
  // Socket.IO on the same HTTP server at /socket.io; the Redis adapter joins the nodes of a cluster.
  app.useWebSocketAdapter(new RedisIoAdapter(app, { redisUrl: config.redis.url, corsOrigins }));
  app.enableShutdownHooks();

  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Switchboard API',
  });
  await app.init();
  return app;
}

/** Worker-only process: the same modules without an HTTP server. */
export async function createWorkerContext(env: EnvSchema): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(env), { bufferLogs: true });
  app.useLogger(app.get(AppLogger));
  app.flushLogs();
  app.enableShutdownHooks();
  await app.init();
  return app;
}

/** The tags of the document, in the order Swagger UI shows them; every tag an operation uses is declared here. */
const OPENAPI_TAGS: ReadonlyArray<readonly [string, string]> = [
  ['auth', 'Sign-up, sign-in, tokens and sessions, two-factor, email verification, password reset, guest accounts'],
  ['organizations', 'Organizations you create or belong to; the active one is named by X-Organization-Id'],
  ['team', 'Members and their roles, the permissions matrix, invitations'],
  [
    'settings',
    'Your profile, notification preferences, data export and account deletion; the organization IP allowlist, ' +
      'usage and API keys; the bootstrap document',
  ],
  ['mail', 'Your own mailboxes over IMAP/SMTP: connect and sync, folders and messages, search, send, drafts, outbox'],
  [
    'chat',
    'Organization chat: direct and group conversations, messages, attachments, read state, search, imports and exports',
  ],
  ['meetings', 'Video meetings on the SFU: scheduling, lifecycle, join tokens (members and guests), recordings'],
  [
    'calls',
    'Call records: calls started, scheduled or created in bulk, their end, transcript, feedback and statistics',
  ],
  ['notifications', 'Your in-app notifications, also pushed live on the /notifications Socket.IO namespace'],
  ['webhooks', 'Signed outgoing webhooks of an organization: endpoints, secrets, deliveries and replay'],
  ['campaigns', 'Email campaigns of an organization: contacts, lists and subscriptions, the suppression list'],
  ['reports', 'Your reports of chat messages, users and bugs'],
  [
    'admin',
    'Platform administration (global admins only): users, sessions, organizations and plans, the audit log, ' +
      'moderation of reports',
  ],
  ['health', 'Liveness and readiness probes (public)'],
  ['system', 'Instance information: name, version, server time (public)'],
];

let cachedDocument: OpenAPIObject | undefined;

/** The OpenAPI document, as served at /docs-json and committed as openapi.json. */
export function buildOpenApiDocument(app: INestApplicationContext & { getHttpAdapter?: unknown }): OpenAPIObject {
  if (!cachedDocument) {
    const builder = new DocumentBuilder()
      .setTitle('Switchboard API')
      .setDescription(
        'Self-hostable communications backend. Built today: accounts and sign-in (sessions, two-factor, guests); ' +
          'mail accounts over IMAP/SMTP with sync, search and sending (scheduled sends, drafts, attachments); ' +
          'organization chat with attachments and imports of WhatsApp and Telegram exports; video meetings and ' +
          'calls on a mediasoup SFU (Socket.IO signalling, recordings, call records); organizations with roles, ' +
          'plans, API keys, an IP allowlist and signed webhooks; in-app notifications; abuse reports and their ' +
          'moderation; user settings with data export and account deletion; platform administration. Later ' +
          'modules add their own paths and words here. Routes acting inside an organization take it from the ' +
          'X-Organization-Id header. Every error has the shape { statusCode, code, message, details?, requestId }.',
      )
      .setVersion(PACKAGE.version)
      .setLicense('AGPL-3.0-only', 'https://www.gnu.org/licenses/agpl-3.0.html')
      .addServer('/', 'The server this document is served from (locally http://localhost:3000)')
      .addBearerAuth();
    for (const [name, description] of OPENAPI_TAGS) {
      builder.addTag(name, description);
    }
    const options = builder.build();
    cachedDocument = SwaggerModule.createDocument(app as NestFastifyApplication, options, {
      operationIdFactory: (_controller, method) => method,
    });
  }
  return cachedDocument;
}
