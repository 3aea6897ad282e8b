/**
 * /me/data and /me/export. Each needs the Private Key, asked for on every request and never
 * kept: the data page is the answer to the POST that carried the key (no-store), and every edit
 * asks for the key again.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FieldValues } from '../pds/pds-store.ts';
import type { DatasetDef } from '../pds/schema/catalogue.ts';
import { validateValue } from '../pds/schema/values.ts';
import { noticeFor } from './notices.ts';
import { refuseForm, sessionEnded } from './refusals.ts';
import { messagePage } from './views/auth-views.ts';
import { dataPage, editableFields, editAgainPage, unlockPage, type EditTarget } from './views/data-views.ts';
import type { FieldErrors } from './views/forms.ts';
import { formValue, type Web } from './web-context.ts';
import { wholeNumber } from '../ids.ts';

export function registerDataRoutes(app: FastifyInstance, web: Web): void {
  const { ctx } = web;

  async function showUnlock(
    req: FastifyRequest,
    reply: FastifyReply,
    action: '/me/data' | '/me/export',
    status = 200,
    error?: string,
  ) {
    const csrf = await web.token(req, reply, action);
    const notice = noticeFor((req.query as Record<string, unknown>).done);
    return web.send(reply, unlockPage(await web.chrome(req), { action, csrf, error, notice }), status);
  }

  for (const action of ['/me/data', '/me/export'] as const) {
    app.get(action, async (req, reply) => {
      if (!(await web.signedIn(req))) return web.toLogin(req, reply);
      return showUnlock(req, reply, action);
    });
  }

  app.post('/me/data', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return sessionEnded(web, req, reply);
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, true))) return refuseForm(web, req, reply, '/me/data');
    const uid = me.member.uid;
    const r = await web.withPrivateKey(req, reply, uid, formValue(form, 'private_key'), (pk) => ctx.memberData.view(uid, pk));
    if (!r.ok) return showUnlock(req, reply, '/me/data', r.status, r.error);
    const csrf = await web.token(req, reply, '/me/data/edit');
    return web.send(reply, dataPage(await web.chrome(req), { catalogue: ctx.catalogue, datasets: r.value, csrf }));
  });

  app.post('/me/data/edit', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return sessionEnded(web, req, reply);
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, true))) return refuseForm(web, req, reply, '/me/data');
    const ds = ctx.catalogue.dataset(formValue(form, 'dataset'));
    const target: EditTarget | undefined = ds && editTarget(ds, form);
    if (!ds || !target) {
      const page = messagePage(await web.chrome(req), {
        title: 'That could not be changed',
        paragraphs: ['The form did not say which of your data to change. Nothing was saved.'],
        link: { href: '/me/data', text: 'Back to your data' },
      });
      return web.send(reply, page, 400);
    }
    const values: FieldValues = {};
    const originals: FieldValues = {};
    const changed: Record<string, string> = {};
    const errors: FieldErrors = {};
    for (const f of editableFields(ds)) {
      const value = formValue(form, f.name);
      values[f.name] = value;
      originals[f.name] = formValue(form, `orig:${f.name}`);
      if (value === originals[f.name]) continue;
      changed[f.name] = value;
      const check = validateValue(f, value === '' ? null : value, ctx.catalogue);
      if (!check.ok) errors[f.name] = `${f.label} ${check.problem}.`;
    }
    const again = async (status: number, more: FieldErrors) => {
      const csrf = await web.token(req, reply, '/me/data/edit');
      const view = { catalogue: ctx.catalogue, target, values, originals, errors: { ...errors, ...more }, csrf };
      return web.send(reply, editAgainPage(await web.chrome(req), view), status);
    };
    if (Object.keys(errors).length) return again(400, {});
    if (Object.keys(changed).length === 0) return web.redirect(reply, '/me/data?done=saved');
    const uid = me.member.uid;
    const where = {
      ...(target.instance !== undefined && { instance: target.instance }),
      ...(target.rowId !== undefined && { rowId: target.rowId }),
    };
    const r = await web.withPrivateKey(req, reply, uid, formValue(form, 'private_key'), (pk) =>
      ctx.memberData.edit(uid, pk, ds.name, where, changed),
    );
    if (!r.ok) return again(r.status, { private_key: r.error });
    return web.redirect(reply, '/me/data?done=saved');
  });

  app.post('/me/export', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return sessionEnded(web, req, reply);
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, true))) return refuseForm(web, req, reply, '/me/export');
    const uid = me.member.uid;
    const r = await web.withPrivateKey(req, reply, uid, formValue(form, 'private_key'), (pk) => ctx.memberData.export(uid, pk));
    if (!r.ok) return showUnlock(req, reply, '/me/export', r.status, r.error);
    // GDPR Art. 20: a machine-readable file, downloaded rather than shown.
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="openpdx-export.json"')
      .send(`${JSON.stringify(r.value, null, 2)}\n`);
  });
}

function editTarget(ds: DatasetDef, form: URLSearchParams): EditTarget | undefined {
  // null: not in the form; undefined: in the form but not a number.
  const num = (name: string): number | null | undefined => {
    const s = form.get(name);
    if (s === null) return null;
    return wholeNumber(s);
  };
  if (ds.type === 'metadata') {
    const instance = num('instance');
    return instance === undefined ? undefined : { dataset: ds, instance: instance ?? 0 };
  }
  const rowId = num('row');
  return rowId === undefined ? undefined : rowId === null ? { dataset: ds } : { dataset: ds, rowId };
}
