// Type definitions for apolo-apps. The runtime objects keep the wire's snake_case keys (and any extra
// keys the server adds); the interfaces below list the keys the platform documents.

/**
 * A client of the Apolo platform's Apps API: `ApoloClient` and its `apps`, the data types and the errors.
 * The same API comes from `apolo-apps` in Node.js, browsers, bundlers and Cloudflare Workers.
 *
 * @packageDocumentation
 * @module apolo-apps
 */

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** The states of an app instance. */
export declare const AppState: {
  /** Accepted, waiting to be deployed. */
  readonly QUEUED: "queued";
  /** Being deployed (after install, configure or rollback). */
  readonly PROGRESSING: "progressing";
  /** Running, every resource healthy. */
  readonly HEALTHY: "healthy";
  /** Running, some resource unhealthy. */
  readonly DEGRADED: "degraded";
  /** The deployment failed. */
  readonly ERRORED: "errored";
  /** Being removed. */
  readonly UNINSTALLING: "uninstalling";
  /** Removed; the record stays readable by id. */
  readonly UNINSTALLED: "uninstalled";
};
/** One of the known app states. */
export type AppState = (typeof AppState)[keyof typeof AppState];

/** An app instance. */
export interface App {
  /** The instance id (a UUID on the platform), used by every per-app call. */
  id: string;
  /** The instance name, unique in its project. */
  name: string;
  /** `null` when the server sends none. */
  display_name: string | null;
  /** The template it was installed from. */
  template_name: string;
  /** The template version it runs now. */
  template_version: string;
  /** The project it lives in. */
  project_name: string;
  /** The organisation of its project. */
  org_name: string;
  /** The cluster it runs on. */
  cluster_name: string;
  /** The Kubernetes namespace of its resources. */
  namespace: string;
  /** Usually an `AppState`; a newer server may report a state this version does not know. */
  state: AppState | (string & {});
  /** The user who installed it. */
  creator: string;
  /** When it was installed. */
  created_at: Date;
  /** When its state or configuration last changed. */
  updated_at: Date;
  /** The URLs it serves, once running. */
  endpoints: string[];
}

/** A template (from `listTemplates`, `listTemplateVersions` or `getTemplate`). */
export interface AppTemplate {
  /** The template name, as `install` takes it in `template_name`. */
  name: string;
  /** A human-readable title. */
  title: string;
  /** A git ref of the template (`v25.5.1`, `master`, ...). */
  version: string;
  /** One line about what it installs. */
  short_description: string;
  /** Free-form labels. */
  tags: string[];
  /** The input JSON Schema; only `getTemplate` fills it. */
  input: JsonObject | null;
  /** Only `getTemplate` fills it. */
  description: string;
}

/** A typed piece of an app's outputs that other apps can reference. */
export interface AppValue {
  /** Also read from the legacy `app_instance_id`; `null` if the server sent neither. */
  instance_id: string | null;
  /** The output's type name (its `__type__`, e.g. `"ServiceAPI[WebApp]"`); `getValues({ valueType })` filters on it. */
  type: string;
  /** Where it sits in the app's outputs, as a JSONPath such as `$.app_url.internal_url`. */
  path: string;
  /** The value itself. */
  value: JsonValue;
}

/** A Kubernetes resource in an app event. */
export interface AppEventResource {
  /** The Kubernetes kind, e.g. `"Deployment"`. */
  kind: string | null;
  /** The resource name. */
  name: string | null;
  /** The Kubernetes UID. */
  uid: string | null;
  /** Its health, e.g. `"Healthy"`, `"Progressing"`. */
  health_status: string | null;
  /** Why it has that health. */
  health_message: string | null;
}

/** A state change of an app instance. */
export interface AppEvent {
  /** When the change happened. */
  created_at: Date;
  /** The state the app entered. */
  state: AppState | (string & {});
  /** A short machine-readable cause. */
  reason: string | null;
  /** A human-readable description. */
  message: string | null;
  /** The resources involved and their health. */
  resources: AppEventResource[];
}

/** One configuration revision of an app instance. */
export interface AppConfigurationRevision {
  /** 1 for the install, then one more for each configure or rollback. */
  revision_number: number;
  /** The user who made it. */
  creator: string;
  /** The comment given to configure or rollback. */
  comment: string | null;
  /** When it took effect. */
  created_at: Date;
  /** `null` for the current revision. */
  end_at: Date | null;
}

/** Versions an app instance can be upgraded to (newest first). */
export interface AppUpgrades {
  /** The app instance id. */
  id: string;
  /** Its template. */
  template_name: string;
  /** The version it runs now. */
  template_version: string;
  /** Newer versions of its template, newest first; empty when it is up to date. */
  available_versions: string[];
}

/** What `install` sends, exactly as given (the shape of the CLI's YAML file). */
export interface AppInstallData {
  /** The template to install. */
  template_name: string;
  /** A git ref of the template (`master`, `v25.5.1`, ...) or `latest`. */
  template_version: string;
  /** A human-readable name shown instead of the generated one. */
  display_name?: string;
  /** The template's inputs, checked by the platform against the template's JSON Schema. */
  input?: { [key: string]: unknown };
  /** Other keys are sent as given. */
  [key: string]: unknown;
}

/** What `configure` reads: the same file as for install; `template_name` is only checked, never sent. */
export interface AppConfigureData {
  /** Checked against the app's template (an `IllegalArgumentError` if different); never sent. */
  template_name?: string;
  /** With `{ upgrade: true }`: the version to move to (`latest` allowed); otherwise ignored. */
  template_version?: string;
  /** A new display name; `null` clears it. */
  display_name?: string | null;
  /** The new inputs (the whole set, not a patch). */
  input?: { [key: string]: unknown };
  /** Other keys are sent as given. */
  [key: string]: unknown;
}

/** The WebSocket constructor used for logs: the global one, or e.g. the `ws` package's default export. */
export type WebSocketConstructor = new (url: string, protocols: string[]) => WebSocketLike;

/** The part of the WHATWG WebSocket (or `ws`) API the logs iterator uses. */
export interface WebSocketLike {
  /** Set to `"arraybuffer"` by the logs iterator. */
  binaryType: string;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Closes the socket (1000 when the loop ends or breaks). */
  close(code?: number, reason?: string): void;
}

/** Options of `new ApoloClient(...)` and `ApoloClient.connect(...)`. */
export interface ApoloClientOptions {
  /** As apolo-sdk's `api_url`, e.g. `"https://api.apolo.us/api/v1"`. */
  apiUrl: string;
  /**
   * The JWT, or a function that returns it (or a Promise of it). A function is called before every
   * HTTP request and every logs WebSocket handshake, so it should cache the token and refresh it when
   * it nears expiry; after a 401 it is called once more and the request is repeated once if the token
   * changed. The token is sent as `Authorization: Bearer <token>` (and in the logs WebSocket's
   * subprotocol) to the configured hosts only, and never appears in errors, hooks or log lines.
   */
  token: string | TokenProvider;
  /** The default cluster of calls; `connect` picks one when absent. */
  cluster?: string;
  /** The default organisation of calls; `connect` picks one when absent. */
  org?: string;
  /** The default project of calls; `connect` picks one when absent. */
  project?: string;
  /** The cluster's monitoring URL; looked up via `GET {apiUrl}/config` when absent and logs are asked for. */
  monitoringUrl?: string;
  /** Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Default `globalThis.WebSocket`; on Node 20 pass the `ws` package. */
  WebSocket?: WebSocketConstructor;
  /** Per attempt of each HTTP request, and for the logs WebSocket handshake (`TimeoutError`). Default 60000. */
  timeoutMs?: number;
  /** Retries of a failed request (see README "Retries"); default 2, 0 disables them. Per call too. */
  maxRetries?: number;
  /** High-water mark of log bytes received but not yet read (see `LogsOptions`); default 8 MiB. */
  maxLogBufferBytes?: number;
  /** Called before every HTTP request (each attempt, each page, `/config`) and logs WebSocket handshake. */
  onRequest?: (event: RequestEvent) => void;
  /** Called when a request ends: with its status, or status 0 when no answer came. */
  onResponse?: (event: ResponseEvent) => void;
  /** Called before the client waits to send a failed request again. */
  onRetry?: (event: RetryEvent) => void;
  /**
   * `'debug'` prints one line per request with `console.error`
   * (`apolo-apps: GET <url> 200 12ms attempt=1`). Default `'silent'`, or `'debug'` when the
   * environment variable `APOLO_APPS_LOG=debug` is set (Node).
   */
  logLevel?: 'debug' | 'silent';
}

/** Returns the current token; called before each request (cache it). */
export type TokenProvider = () => string | Promise<string>;

/** What `onRequest` receives. Never contains the token. */
export interface RequestEvent {
  /** `GET`, `POST`, `PUT` or `DELETE` (`GET` for the logs WebSocket). */
  method: string;
  /** The request URL (`ws:`/`wss:` for logs). */
  url: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt: number;
}

/** What `onResponse` receives. Never contains the token. */
export interface ResponseEvent extends RequestEvent {
  /** The HTTP status; 0 when no answer came; 101 for an opened logs WebSocket. */
  status: number;
  /** Milliseconds from sending to the end of the answer (for a logs WebSocket's close: its whole life). */
  durationMs: number;
  /** The answer's `x-request-id` header, if any. */
  requestId: string | undefined;
  /** Set when a logs WebSocket closed: its close code. */
  closeCode?: number;
}

/** What `onRetry` receives. Never contains the token. */
export interface RetryEvent extends RequestEvent {
  /** How long the client waits before the next attempt. */
  delayMs: number;
  /** Why: `'status 503'`, `'timeout'`, `'connection refused'`, `'connection error'`, ... */
  reason: string;
}

/** Every call accepts a signal; aborting it rejects the pending call with `signal.reason`. */
export interface CallOptions {
  /** Aborting it rejects the pending call (or iterator step) with `signal.reason` and stops its requests. */
  signal?: AbortSignal;
  /** This call's retries instead of the client's `maxRetries`. */
  maxRetries?: number;
  /** This call's per-attempt timeout instead of the client's `timeoutMs`. */
  timeoutMs?: number;
}

/** Calls that act within a project; each key defaults to the client's. */
export interface ProjectOptions extends CallOptions {
  /** The cluster; default: the client's. */
  cluster?: string;
  /** The organisation; default: the client's. */
  org?: string;
  /** The project; default: the client's. */
  project?: string;
}

/** Options of `list`. */
export interface ListOptions extends ProjectOptions {
  /** Only apps in these states; all states when absent. */
  states?: readonly AppState[];
}

/** Options of `uninstall`. */
export interface UninstallOptions extends ProjectOptions {
  /** Remove it at once, without waiting for its resources to stop (`?force=true`). */
  force?: boolean;
}

/** Options of `configure`. */
export interface ConfigureOptions extends CallOptions {
  /** Stored with the new revision. */
  comment?: string;
  /** Move the app to `appData.template_version` (which must then be set; `latest` is allowed). */
  upgrade?: boolean;
}

/** Options of `getValues`. */
export interface GetValuesOptions extends ProjectOptions {
  /** Only this app's values; every app of the project when absent. */
  appId?: string;
  /** Only values of this type (`AppValue.type`). */
  valueType?: string;
}

/** Options of `getTemplate`. */
export interface GetTemplateOptions extends ProjectOptions {
  /** Default `"latest"`. */
  version?: string;
}

/** Options of `logs` and `logLines`. */
export interface LogsOptions extends CallOptions {
  /** The cluster whose monitoring serves the logs; default: the client's. */
  cluster?: string;
  /** Only lines from this time on (a `Date` or an ISO 8601 string); default: from the app's start. */
  since?: Date | string;
  /** Prefix each line with its RFC 3339 timestamp, as the server writes it. */
  timestamps?: boolean;
  /**
   * High-water mark of bytes received but not yet read; default: the client's (8 MiB). With the
   * `ws` package the socket is paused until the loop catches up; a WebSocket that cannot pause
   * (browsers, Node 22's) fails the loop with `ConnectionError` instead of growing without bound.
   * `logLines` also fails on a line longer than this.
   */
  maxLogBufferBytes?: number;
}

/** Options of `watch`. */
export interface WatchOptions extends CallOptions {
  /** Milliseconds between the end of one poll and the start of the next; default 2000. */
  intervalMs?: number;
}

/** Options of `rollback`. */
export interface RollbackOptions extends ProjectOptions {
  /** Stored with the new revision. */
  comment?: string;
}

/** Options of `getInput`. */
export interface GetInputOptions extends ProjectOptions {
  /** The input of that revision instead of the current one. */
  revision?: number;
}

/** The Apps API, method for method as `apolo_sdk.Apps`. */
export interface Apps {
  /** All apps of a project, every page; a page is fetched only when the iteration reaches it. */
  list(options?: ListOptions): AsyncIterableIterator<App>;
  /** One app, by id, from any project (`ResourceNotFound` if there is none). */
  get(appId: string, options?: CallOptions): Promise<App>;
  /** Any iterable of ids but a string (an array, a Set, ...); batches of 100 ids per request; results in input order. */
  getUpgrades(appIds: Iterable<string> & object, options?: CallOptions): Promise<AppUpgrades[]>;
  /** Installs an app from a template; resolves to it in state `queued` (`watch` follows it from there). */
  install(appData: AppInstallData, options?: ProjectOptions): Promise<App>;
  /** Gives the app a new configuration (a new revision); resolves to it, usually `progressing`. */
  configure(appId: string, appData: AppConfigureData, options?: ConfigureOptions): Promise<App>;
  /** Starts removing the app; it goes `uninstalling`, then `uninstalled`. */
  uninstall(appId: string, options?: UninstallOptions): Promise<undefined>;
  /** The typed values of the project's apps' outputs (the ones other apps can reference). */
  getValues(options?: GetValuesOptions): AsyncIterableIterator<AppValue>;
  /** The templates that can be installed, newest version of each. */
  listTemplates(options?: ProjectOptions): AsyncIterableIterator<AppTemplate>;
  /** Every version of one template, newest first (none for an unknown template). */
  listTemplateVersions(name: string, options?: ProjectOptions): AsyncIterableIterator<AppTemplate>;
  /** `null` when the server does not know the template. */
  getTemplate(name: string, options?: GetTemplateOptions): Promise<AppTemplate | null>;
  /** The app's outputs (endpoints, credentials, ...), as its template defines them. */
  getOutput(appId: string, options?: ProjectOptions): Promise<JsonObject>;
  /** The log stream as the server sends it: byte chunks not aligned to lines. */
  logs(appId: string, options?: LogsOptions): AsyncIterableIterator<Uint8Array>;
  /** The log stream as text lines (UTF-8 decoded across chunks, without the line break). */
  logLines(appId: string, options?: LogsOptions): AsyncIterableIterator<string>;
  /** All events of an app, every page, fetched lazily. */
  getEvents(appId: string, options?: ProjectOptions): AsyncIterableIterator<AppEvent>;
  /**
   * Follows one app by polling `get` (each poll with the client's retries): yields the app at once, then
   * again each time its `state` or `updated_at` changes. It ends after yielding `uninstalled`, or when the
   * app is gone (404) after it was seen `uninstalling`; every other error (a 404 before that included)
   * rejects. `break` stops the polling; aborting `signal` rejects the pending step with `signal.reason`,
   * also during the wait between polls.
   *
   * @example
   * ```js
   * for await (const app of client.apps.watch(id, { intervalMs: 1000 })) {
   *   console.log(app.state);
   *   if (app.state === AppState.HEALTHY) break;
   * }
   * ```
   */
  watch(appId: string, options?: WatchOptions): AsyncIterableIterator<App>;
  /** The app's configuration revisions, newest first. */
  getRevisions(appId: string, options?: CallOptions): Promise<AppConfigurationRevision[]>;
  /** Makes an earlier revision's configuration current again (as a new revision). */
  rollback(appId: string, revisionNumber: number, options?: RollbackOptions): Promise<App>;
  /** The install/configure data of the current revision, or of `options.revision`. */
  getInput(appId: string, options?: GetInputOptions): Promise<JsonObject>;
}

/**
 * A client of the Apps API for one user (its token) and, by default, one cluster, org and project.
 *
 * @example
 * ```js
 * const client = await ApoloClient.connect({ apiUrl: 'https://api.apolo.us/api/v1', token });
 * for await (const app of client.apps.list()) console.log(app.id, app.state);
 * ```
 */
export declare class ApoloClient {
  /** Throws `IllegalArgumentError` on invalid options. Sends nothing. */
  constructor(options: ApoloClientOptions);
  /** Reads `GET {apiUrl}/config` and fills cluster, org, project and monitoringUrl as apolo-cli does at login. */
  static connect(options: ApoloClientOptions & CallOptions): Promise<ApoloClient>;
  /** The Apps API. */
  readonly apps: Apps;
  /** The default cluster of calls (given, or picked by `connect`). */
  readonly cluster: string | undefined;
  /** The default organisation of calls. */
  readonly org: string | undefined;
  /** The default project of calls. */
  readonly project: string | undefined;
}

/** Fields of an `ApoloError`. */
export interface ApoloErrorOptions {
  /** See `ApoloError.status`. */
  status?: number;
  /** See `ApoloError.payload`. */
  payload?: JsonValue;
  /** See `ApoloError.method`. */
  method?: string;
  /** See `ApoloError.url`. */
  url?: string;
  /** See `ApoloError.headers`. */
  headers?: Headers;
  /** See `ApoloError.requestId`. */
  requestId?: string;
  /** The underlying error, as `Error.cause`. */
  cause?: unknown;
}

/** The base class of every error this package raises. */
export declare class ApoloError extends Error {
  /** Errors are made by the client; the constructor is public for tests and subclasses. */
  constructor(message?: string, options?: ApoloErrorOptions);
  /** The HTTP status, when there was a response. */
  readonly status: number | undefined;
  /** The parsed JSON body of the response, when it was JSON. */
  readonly payload: JsonValue | undefined;
  /** The HTTP method of the request. */
  readonly method: string | undefined;
  /** The request URL (never contains the token). */
  readonly url: string | undefined;
  /** The response's headers, when the error comes from an HTTP response. */
  readonly headers: Headers | undefined;
  /** The response's `x-request-id` (what support asks for), when it had one. */
  readonly requestId: string | undefined;
}
/** 401 */
export declare class AuthenticationError extends ApoloError {
  /** The class name, kept through minifiers. */
  name: "AuthenticationError";
}
/** 403 */
export declare class AuthorizationError extends ApoloError {
  /** The class name, kept through minifiers. */
  name: "AuthorizationError";
}
/** 404 */
export declare class ResourceNotFound extends ApoloError {
  /** The class name, kept through minifiers. */
  name: "ResourceNotFound";
}
/** 405 */
export declare class ClientError extends ApoloError {
  /** The class name, kept through minifiers. */
  name: "ClientError";
}
/** 502, or a 2xx answer that is not what the API documents (its `status` is then that 2xx). */
export declare class BadGateway extends ApoloError {
  /** The class name, kept through minifiers. */
  name: "BadGateway";
}
/** 503 */
export declare class ServerNotAvailable extends ApoloError {
  /** The class name, kept through minifiers. */
  name: "ServerNotAvailable";
}
/** Any other status >= 400, or invalid arguments found before sending. */
export declare class IllegalArgumentError extends ApoloError {
  /** The class name, kept through minifiers. */
  name: "IllegalArgumentError";
}
/** No HTTP response: connection refused or reset, DNS, CORS, a failed WebSocket. */
export declare class ConnectionError extends ApoloError {
  /** The class name, kept through minifiers. */
  name: "ConnectionError";
}
/** `timeoutMs` elapsed. */
export declare class TimeoutError extends ApoloError {
  /** The class name, kept through minifiers. */
  name: "TimeoutError";
}
