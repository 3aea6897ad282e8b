/** `/dev/outbox`: the sandbox's email and SMS, newest first, as an accessible page. */
import type { SandboxMessage } from '../outbox/outbox-service.ts';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Escapes the text, then makes its http(s) URLs links (one-time links must be clickable). */
function linkify(text: string): string {
  return escapeHtml(text).replace(/https?:\/\/[^\s<>"]+/g, (url) => `<a href="${url}">${url}</a>`);
}

function when(seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `<time datetime="${iso}">${iso.replace('T', ' ')}</time>`;
}

export function renderOutboxPage(messages: readonly SandboxMessage[]): string {
  const rows = messages
    .map(
      (m) =>
        `<tr><td>${when(m.created_at)}</td><td>${escapeHtml(m.channel)}</td><td>${escapeHtml(m.recipient)}</td><td>${escapeHtml(m.subject)}</td><td class="body">${linkify(m.body)}</td></tr>`,
    )
    .join('\n');
  const table = messages.length
    ? `<table>
<caption>Messages the platform would have sent (${messages.length}), newest first</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Channel</th><th scope="col">Recipient</th><th scope="col">Subject</th><th scope="col">Body</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`
    : '<p>No messages yet. Registration and connection links sent by email or SMS appear here.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sandbox outbox · OpenPDX</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;line-height:1.5;color:#1a1a1a}
.banner{background:#fff3cd;color:#3d2e00;border-bottom:2px solid #b38600;padding:.75rem 1rem;margin:0}
main{padding:1rem}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:.5rem 0}
th,td{border:1px solid #767676;padding:.4rem .6rem;text-align:left;vertical-align:top}
td.body{white-space:pre-wrap;overflow-wrap:anywhere}
a{color:#0645ad}
</style>
</head>
<body>
<header><p class="banner" role="note"><strong>Sandbox: no real data.</strong> Email and SMS stop here; nothing is sent.</p></header>
<main>
<h1>Sandbox outbox</h1>
${table}
</main>
</body>
</html>
`;
}
