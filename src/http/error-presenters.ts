/**
 * One presenter per wire format. Which one applies is decided by the route's family
 * (src/http/route-family.ts), never by the error, so a service can throw the same error class for
 * every caller.
 */
import { AppError, MAX_REASON_LENGTH, OAuthError } from '../errors.ts';

export type WireFormat = 'oauth' | 'pdx' | 'feature-block' | 'idaas' | 'html';

export interface Presented {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  contentType: string;
}

/** Renders the HTML error page: the member app's layout where the app is built (src/app.ts). */
export type HtmlErrorRenderer = (status: number, message: string, detail: string | undefined) => string;

export function present(
  format: WireFormat,
  err: AppError,
  requestId: string,
  renderHtml: HtmlErrorRenderer = htmlErrorPage,
): Presented {
  const message = err.expose ? capped(err.message) : 'Internal error';
  const headers = { ...err.headers };
  switch (format) {
    case 'oauth': {
      // RFC 6749 §5.1: error responses must not be cached either (OA-26).
      headers['cache-control'] = 'no-store';
      headers['pragma'] = 'no-cache';
      // RFC 6749 §4.1.2.1 names temporarily_unavailable for a server that will be back shortly.
      const code =
        err instanceof OAuthError
          ? err.code
          : err.status === 503
            ? 'temporarily_unavailable'
            : err.status >= 500
              ? 'server_error'
              : 'invalid_request';
      const body: Record<string, string> = { error: code };
      if (err.expose) body.error_description = message;
      return { status: err.status, headers, body, contentType: 'application/json; charset=utf-8' };
    }
    case 'feature-block':
    case 'idaas':
      // Contract §3 and both OpenAPIs' AuthErrorResponse: a feature block's or IDaaS route's 401 and
      // 403 carry the `{"error":{"message","reason"}}` body; everything else is their ErrorResponse.
      if (err.status === 401 || err.status === 403) return present('pdx', err, requestId);
      return {
        status: err.status,
        headers,
        body: { success: 0, message: err.reason ? `${message}: ${capped(err.reason)}` : message },
        contentType: 'application/json; charset=utf-8',
      };
    case 'html':
      return {
        status: err.status,
        headers,
        body: renderHtml(
          err.status,
          message,
          err.expose && err.reason !== undefined ? capped(err.reason) : `Reference ${requestId}`,
        ),
        contentType: 'text/html; charset=utf-8',
      };
    default: {
      const error: Record<string, string> = { message };
      if (err.expose && err.reason !== undefined) error.reason = capped(err.reason);
      if (!err.expose) error.reason = `Request ${requestId} failed; the operator's log has the details.`;
      return { status: err.status, headers, body: { error }, contentType: 'application/json; charset=utf-8' };
    }
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A bare page, for a server without the member app (the HTTP layer's own tests). */
function htmlErrorPage(status: number, message: string, detail: string | undefined): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${status} ${escapeHtml(message)}</title></head><body><main><h1>${escapeHtml(message)}</h1>${detail ? `<p>${escapeHtml(detail)}</p>` : ''}</main></body></html>`;
}

function capped(text: string): string {
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}
