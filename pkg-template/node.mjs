// Node ESM entry: the same instance as node.cjs.
import api from './node.cjs';

export const {
  ApoloClient, AppState, ApoloError, AuthenticationError, AuthorizationError, ResourceNotFound, ClientError,
  BadGateway, ServerNotAvailable, IllegalArgumentError, ConnectionError, TimeoutError,
} = api;
