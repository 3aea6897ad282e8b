/**
 * /me/data and /me/export. Entering the Private Key unlocks "My data" for a short idle window
 * (OPENPDX_UNLOCK_IDLE_TIMEOUT): the data keys are held on the server, sealed under the session id
 * (member-session-store.ts), never the Private Key itself; "Lock my data", signing out and the
 * window's end delete them. An edit that arrives after the page locked asks for the key again,
 * keeping what the member typed.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DatasetDef } from '../pds/schema/catalogue.ts';
import type { DataKeyRing } from '../members/key-ring.ts';
import { fromFormValue } from './member-fields.ts';
import { noticeFor } from './notices.ts';
import { refuseForm, sessionEnded } from './refusals.ts';
import { messagePage } from './views/auth-views.ts';
import { dataPage, editableFields, editAgainPage, unlockPage, type EditTarget } from './views/data-views.ts';
import type { FieldErrors } from './views/forms.ts';
import { formValue, type Web } from './web-context.ts';
import { wholeNumber } from '../ids.ts';

const LOCKED_WHILE_EDITING = 'Your data locked while you were editing. Enter your Private Key to save your changes.';

export function registerDataRoutes(app: FastifyInstance, web: Web): void {
  const { ctx } = web;
  const unlockMinutes = Math.round(ctx.config.memberSession.unlockIdleSeconds / 60);

  async function showUnlock(
    req: FastifyRequest,
    reply: FastifyReply,
    action: '/me/data' | '/me/export',
    opts: { status?: number; error?: string; unlocked?: boolean } = {},
  ) {
    const csrf = await web.token(req, reply, action);
    const notice = noticeFor((req.query as Record<string, unknown>).done);
    const view = { action, csrf, error: opts.error, notice, unlocked: opts.unlocked ?? false, unlockMinutes };
    return web.send(reply, unlockPage(await web.chrome(req), view), opts.status ?? 200);
  }

  /** The data page, from keys held for the window (the ring is wiped after). */
  async function showData(req: FastifyRequest, reply: FastifyReply, uid: number, held: { ring: DataKeyRing; until: number }) {
    let datasets;
    try {
      datasets = await ctx.memberData.viewWith(uid, held.ring);
    } finally {
      held.ring.wipe();
    }
    const writers = await ctx.accounts.organisationNames(
      datasets.flatMap((d) => d.rows.flatMap((r) => (r.writerNid === undefined ? [] : [r.writerNid]))),
    );
    const csrf = { edit: await web.token(req, reply, '/me/data/edit'), lock: await web.token(req, reply, '/me/data/lock') };
    const notice = noticeFor((req.query as Record<string, unknown>).done);
    const view = { catalogue: ctx.catalogue, datasets, writers, csrf, unlockedUntil: held.until, unlockMinutes, notice };
    return web.send(reply, dataPage(await web.chrome(req), view));
  }

  app.get('/me/data', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return web.toLogin(req, reply);
    const held = await web.heldKeys(req);
    return held ? showData(req, reply, me.member.uid, held) : showUnlock(req, reply, '/me/data');
  });

  app.get('/me/export', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return web.toLogin(req, reply);
    // The session already says whether it is unlocked: no keys need opening to show the form.
    return showUnlock(req, reply, '/me/export', { unlocked: me.session.unlockedUntil !== undefined });
  });

  app.post('/me/data', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return sessionEnded(web, req, reply);
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, true))) return refuseForm(web, req, reply, '/me/data');
    const r = await web.unlockData(req, reply, me.member.uid, formValue(form, 'private_key'));
    if (!r.ok) return showUnlock(req, reply, '/me/data', { status: r.status, error: r.error });
    r.value.ring.wipe();
    return web.redirect(reply, '/me/data');
  });

  app.post('/me/data/lock', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return sessionEnded(web, req, reply);
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, true))) return refuseForm(web, req, reply, '/me/data');
    await web.lockData(req);
    return web.redirect(reply, '/me/data?done=locked');
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
    // What the form showed and what the member typed, both as the form shows values.
    const values: Record<string, string> = {};
    const originals: Record<string, string> = {};
    const changed: Record<string, string | null> = {};
    const errors: FieldErrors = {};
    for (const f of editableFields(ds)) {
      const value = formValue(form, f.name);
      values[f.name] = value;
      originals[f.name] = formValue(form, `orig:${f.name}`);
      if (value === originals[f.name]) continue;
      const check = fromFormValue(f, value, ctx.catalogue);
      if (check.ok) changed[f.name] = check.value;
      else errors[f.name] = `${f.label} ${check.problem}.`;
    }
    const typedKey = form.has('private_key');
    const again = async (status: number, more: FieldErrors, askPrivateKey: boolean) => {
      const csrf = await web.token(req, reply, '/me/data/edit');
      const view = { catalogue: ctx.catalogue, target, values, originals, errors: { ...errors, ...more }, csrf, askPrivateKey };
      return web.send(reply, editAgainPage(await web.chrome(req), view), status);
    };
    if (Object.keys(errors).length) return again(400, {}, typedKey || !(await web.signedIn(req))?.session.unlockedUntil);
    if (Object.keys(changed).length === 0) return web.redirect(reply, '/me/data?done=saved');
    const uid = me.member.uid;
    let held = await web.heldKeys(req);
    if (!held) {
      // Locked since the form was shown: the Private Key (when the form carried one) unlocks again.
      if (!typedKey) return again(401, { private_key: LOCKED_WHILE_EDITING }, true);
      const r = await web.unlockData(req, reply, uid, formValue(form, 'private_key'));
      if (!r.ok) return again(r.status, { private_key: r.error }, true);
      held = r.value;
    }
    const where = {
      ...(target.instance !== undefined && { instance: target.instance }),
      ...(target.rowId !== undefined && { rowId: target.rowId }),
    };
    try {
      await ctx.memberData.editWith(uid, held.ring, ds.name, where, changed);
    } finally {
      held.ring.wipe();
    }
    return web.redirect(reply, '/me/data?done=saved');
  });

  app.post('/me/export', async (req, reply) => {
    const me = await web.signedIn(req);
    if (!me) return sessionEnded(web, req, reply);
    const form = web.readForm(req);
    if (!(await web.checkCsrf(req, form, true))) return refuseForm(web, req, reply, '/me/export');
    const uid = me.member.uid;
    let held = await web.heldKeys(req);
    if (!held) {
      const r = await web.unlockData(req, reply, uid, formValue(form, 'private_key'));
      if (!r.ok) return showUnlock(req, reply, '/me/export', { status: r.status, error: r.error });
      held = r.value;
    }
    let file;
    try {
      file = await ctx.memberData.exportWith(uid, held.ring);
    } finally {
      held.ring.wipe();
    }
    // GDPR Art. 20: a machine-readable file, downloaded rather than shown.
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="openpdx-export.json"')
      .send(`${JSON.stringify(file, null, 2)}\n`);
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
