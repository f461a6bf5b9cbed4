/* Trang Ban Tổ chức (GET /admin): đăng nhập, tổng quan số liệu, tuần thi (đổi giờ, đóng và xếp
   hạng, bảng xếp hạng có cảnh báo và loại khỏi xét giải, công bố), danh sách không được dự thi,
   trả lại CCCD, tài khoản, nhật ký. Vanilla JS over common.js; every URL is relative to /admin
   (static/x → /static/x, admin/me → /admin/me), so it works under any API Gateway stage path.

   A screen is one defineScreen({...}) call: its hash path, its navigation label, the permissions
   that show it (any of them; GET /admin/me lists the caller's) and its view function. */
(() => {
  'use strict';

  const {
    $, enc, sleep, pad, h, vnParts, fmtDateTime, fmtShort, fmtDuration, fmtNumber, fmtDecimal, MESSAGES, createApi, setFieldError,
  } = window.scCommon;

  const SESSION_KEY = 'sc-console-session';
  const REFRESH_MS = 30000;

  const MSG = {
    ...MESSAGES,
    EXPIRED: 'Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.',
    UNAUTHORIZED: 'Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.',
    FORBIDDEN: 'Bạn không có quyền thực hiện thao tác này.',
    INVALID_CREDENTIALS: 'Tên đăng nhập hoặc mật khẩu không đúng.',
    NOT_ALLOWED: 'Tài khoản của bạn không được dùng chức năng này.',
  };

  const ROLE_NAMES = {
    admin: 'Ban Tổ chức',
    unit_organizer: 'Văn phòng phường, xã',
    editor: 'Tổ biên soạn câu hỏi',
    viewer: 'Lãnh đạo (chỉ xem)',
  };
  const ROLE_HINTS = {
    admin: 'toàn quyền',
    unit_organizer: 'số liệu của phường, xã mình; trả lại CCCD',
    editor: 'xem, soạn, sửa và nhập câu hỏi',
    viewer: 'xem số liệu mọi phường, xã',
  };
  const PERMISSION_NAMES = {
    'stats.read': 'Xem số liệu',
    'rounds.update': 'Đổi thời gian tuần thi',
    'rounds.close': 'Đóng và xếp hạng tuần thi',
    'rounds.publish': 'Công bố kết quả',
    'ranking.read': 'Xem bảng xếp hạng',
    'ranking.decide': 'Loại khỏi xét giải',
    'questions.read': 'Xem ngân hàng câu hỏi',
    'questions.manage': 'Soạn, sửa, nhập câu hỏi', // question bank (issue 10)
    'exclusions.manage': 'Quản lý danh sách không được dự thi',
    'participants.release': 'Trả lại CCCD cho người chủ thẻ',
    'accounts.manage': 'Quản lý tài khoản',
    'audit.read': 'Xem nhật ký thao tác',
  };
  const STATUS = {
    scheduled: 'Sắp mở', open: 'Đang mở', closed: 'Đã hết giờ, chưa xếp hạng', ranked: 'Đã xếp hạng, chờ công bố', published: 'Đã công bố kết quả',
  };
  const TIME_FIELDS = [['opens_at', 'Giờ mở'], ['closes_at', 'Giờ đóng'], ['publish_at', 'Giờ công bố kết quả']];
  const TIME_SHORT = { opens_at: 'Mở', closes_at: 'Đóng', publish_at: 'Công bố' };

  // ---------- session (localStorage, ends at expires_at) ----------
  let me = null; // GET admin/me: {organizer, permissions, excluded_from_contest}
  let flash = null; // {kind: 'notice' | 'alert', text}: shown once by the next screen
  let pendingRoute = null; // where to go after signing in
  let leaving = false; // logging out: a 401 then is no news

  const session = {
    data: null,
    timer: null,
    load() {
      try {
        const stored = JSON.parse(localStorage.getItem(SESSION_KEY));
        this.data = stored && stored.token && stored.expires_at ? stored : null;
      } catch (e) { this.data = null; }
      this.arm();
    },
    valid() { return !!this.data && Date.parse(this.data.expires_at) > Date.now(); },
    get token() { return this.valid() ? this.data.token : null; },
    save(data) {
      this.data = data;
      try { localStorage.setItem(SESSION_KEY, JSON.stringify(data)); } catch (e) { /* private mode: this tab only */ }
      this.arm();
    },
    // The session ends by itself at expires_at, with a clear message.
    arm() {
      clearTimeout(this.timer);
      if (!this.data) return;
      const left = Date.parse(this.data.expires_at) - Date.now();
      this.timer = setTimeout(() => (this.valid() ? this.arm() : expire()), Math.min(Math.max(left + 250, 0), 2 ** 31 - 1));
    },
    clear() {
      clearTimeout(this.timer);
      this.data = null;
      me = null;
      try { localStorage.removeItem(SESSION_KEY); } catch (e) { /* */ }
    },
  };

  function expire() {
    if (!session.data || leaving) return;
    session.clear();
    flash = { kind: 'alert', text: MSG.EXPIRED };
    const route = currentRoute();
    if (route !== 'dang-nhap') pendingRoute = route;
    go('dang-nhap', { replace: true });
  }

  const api = createApi({
    messages: MSG,
    token: () => session.token,
    onUnauthorized: (error) => { if (error.code === 'UNAUTHORIZED') expire(); },
  });
  const call = async (method, path, body) => (await api(method, path, body, { auth: true })).data;

  // Files: a download (Excel, PDF) fetched with the session and saved under its own name, and an
  // upload (CSV, .xlsx) sent as the request body. Errors come back in the API's shape.
  async function fileError(res) {
    let data = null;
    try { data = await res.json(); } catch (e) { /* not JSON */ }
    const err = (data && data.error) || {};
    const code = err.code || (res.status >= 500 ? 'SERVER' : `HTTP_${res.status}`);
    const error = new window.scCommon.ApiError(code, err.message || MSG[code] || MSG.GENERIC, res.status, err.field);
    error.data = data;
    if (res.status === 401 && code === 'UNAUTHORIZED') expire();
    return error;
  }
  // API Gateway sends a file as bytes only when the first Accept type is a binary one.
  const FILE_TYPES = {
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    pdf: 'application/pdf',
  };
  async function download(path, filename) {
    const accept = FILE_TYPES[filename.split('.').pop()] || '*/*';
    let res;
    try {
      res = await fetch(window.scCommon.apiUrl(path), { headers: { Authorization: `Bearer ${session.token}`, Accept: `${accept}, application/json` }, cache: 'no-store' });
    } catch (e) { throw new window.scCommon.ApiError('NETWORK', MSG.NETWORK, 0); }
    if (!res.ok) throw await fileError(res);
    if (res.status === 202) { await downloadWhenReady(await res.json()); return; } // Excel exports (issue 11)
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: filename });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }
  // Excel exports (issue 11): a file too large for one response is built in the background
  // (202 {export_id, status}); ask for its status until it is ready, then follow its
  // short-lived link (an S3 address in AWS, a signed local one otherwise).
  async function downloadWhenReady(job) {
    for (let i = 0; job.status === 'pending' && i < 150; i += 1) {
      await sleep(2000);
      job = await call('GET', `admin/exports/${enc(job.export_id)}`);
    }
    if (job.status !== 'ready') throw new window.scCommon.ApiError('EXPORT_PENDING', 'Tệp chưa tạo xong; hãy thử lại sau ít phút.', 0);
    const a = h('a', { href: /^https?:/.test(job.url) ? job.url : window.scCommon.apiUrl(job.url) });
    document.body.append(a);
    a.click();
    a.remove();
  }
  // A button that downloads a file and says in ``status`` (a live region) what happened.
  function downloadButton(label, path, filename, status, describedBy) {
    const button = h('button', { type: 'button', class: 'btn', 'aria-describedby': describedBy || null }, label);
    button.addEventListener('click', () => busy(button, 'Đang tạo tệp…', async () => {
      status.textContent = '';
      try {
        await download(path, filename);
        status.textContent = `Đã tải ${filename}.`;
      } catch (e) { status.textContent = e.message; }
    }));
    return button;
  }
  async function upload(method, path, file) {
    const type = file.type || (file.name.endsWith('.csv') ? 'text/csv'
      : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    let res;
    try {
      res = await fetch(window.scCommon.apiUrl(path), {
        method, body: file, cache: 'no-store',
        headers: { Authorization: `Bearer ${session.token}`, 'Content-Type': type, Accept: 'application/json' },
      });
    } catch (e) { throw new window.scCommon.ApiError('NETWORK', MSG.NETWORK, 0); }
    if (!res.ok) throw await fileError(res);
    return res.json();
  }

  async function ensureMe() {
    if (!me) me = await call('GET', 'admin/me');
    return me;
  }
  const can = (permission) => !!me && me.permissions.includes(permission);

  async function logout() {
    leaving = true;
    try { await call('DELETE', 'admin/sessions'); } catch (e) { /* the session ends here anyway */ }
    leaving = false;
    session.clear();
    pendingRoute = null;
    flash = { kind: 'notice', text: 'Bạn đã đăng xuất.' };
    go('dang-nhap', { replace: true });
  }

  // ---------- contest data (public GET contest) ----------
  let contestCache = null;
  let contestLoadedAt = 0;
  async function loadContest(force) {
    if (contestCache && !force && Date.now() - contestLoadedAt < 30000) return contestCache;
    const contest = (await api('GET', 'contest')).data;
    contest.rounds.sort((a, b) => a.id.localeCompare(b.id, 'vi', { numeric: true }));
    contestCache = contest;
    contestLoadedAt = Date.now();
    return contestCache;
  }
  const unitName = (id) => {
    const unit = contestCache && contestCache.units.find((u) => u.id === id);
    return unit ? unit.name : (id || '');
  };
  // "P. Bách Quang", "X. Bá Xuyên": short enough for a chart axis on a phone.
  const unitShort = (id) => unitName(id).replace(/^Phường /, 'P. ').replace(/^Xã /, 'X. ');
  const roundName = (id) => {
    const round = contestCache && contestCache.rounds.find((r) => r.id === id);
    return round ? round.name : id;
  };
  const money = (n) => `${fmtNumber(n)} đồng`;

  // ---------- screens: a small registry ----------
  const screens = [];
  // path: the hash route (a screen may take one parameter: #/path/param);
  // nav: its label in the navigation (none: reachable by links only);
  // permissions: any one of them shows it ([] for every signed-in organizer);
  // view({isCurrent, param}): renders through show().
  function defineScreen(def) { screens.push({ permissions: [], ...def }); }
  const allowed = (screen) => !screen.permissions.length || screen.permissions.some(can);

  // ---------- routing ----------
  const main = $('#main');
  const navEl = $('#console-nav');
  const navList = $('#nav-list');
  const menuButton = $('#menu-toggle');
  let cleanups = [];
  let renderId = 0;

  function currentRoute() { return location.hash.startsWith('#/') ? location.hash.slice(2) : ''; }
  function go(route, opts = {}) {
    const hash = `#/${route}`;
    if (location.hash === hash) { render(); return; }
    if (opts.replace) { history.replaceState(null, '', hash); render(); } else location.hash = hash;
  }
  const homeRoute = () => (screens.find((s) => s.nav && allowed(s)) || { path: 'ca-nhan' }).path;

  async function render(firstLoad) {
    cleanups.forEach((fn) => { try { fn(); } catch (e) { /* */ } });
    cleanups = [];
    const id = ++renderId;
    const isCurrent = () => id === renderId;
    closeMenu();
    const route = currentRoute();
    if (route === 'dang-nhap') {
      if (session.valid()) { go(pendingRoute || '', { replace: true }); return; }
      updateChrome();
      viewLogin();
      focusTop(firstLoad);
      return;
    }
    if (!session.valid()) {
      if (session.data) { expire(); return; }
      pendingRoute = route || null;
      go('dang-nhap', { replace: true });
      return;
    }
    main.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Đang tải…'));
    try {
      await Promise.all([ensureMe(), loadContest()]);
      if (!isCurrent()) return;
      updateChrome();
      const [head, ...rest] = route.split('/');
      if (!head) { go(homeRoute(), { replace: true }); return; }
      const screen = screens.find((s) => s.path === head);
      markNav(head);
      if (!screen) {
        show('Không tìm thấy', h('h1', null, 'Không tìm thấy trang'), h('p', null, h('a', { href: '#/' }, 'Về trang đầu')));
      } else if (!allowed(screen)) {
        show(screen.title, h('h1', null, screen.title), h('div', { class: 'alert', role: 'alert' }, MSG.NOT_ALLOWED), h('p', null, h('a', { href: '#/' }, 'Về trang đầu')));
      } else {
        await screen.view({ isCurrent, param: rest.length ? decodeURIComponent(rest.join('/')) : null });
      }
    } catch (e) {
      if (!isCurrent() || e.code === 'UNAUTHORIZED') return;
      main.replaceChildren(errorBox(e, () => render()));
    }
    if (isCurrent()) focusTop(firstLoad);
  }

  // After a screen change: the one-time notice if there is one, else the heading.
  function focusTop(firstLoad) {
    if (firstLoad || navEl.classList.contains('open')) return; // not while the person uses the menu
    const target = $('.flash', main) || $('h1', main);
    if (target) { target.setAttribute('tabindex', '-1'); target.focus({ preventScroll: true }); }
    window.scrollTo(0, 0);
  }

  function show(title, ...children) {
    document.title = `${title} – Trang Ban Tổ chức`;
    const note = flash ? h('p', { class: `${flash.kind} flash`, role: flash.kind === 'alert' ? 'alert' : 'status' }, flash.text) : null;
    flash = null;
    main.replaceChildren(...[note, ...children].flat(Infinity).filter((c) => c != null && c !== false));
  }

  function errorBox(e, retry) {
    return h('div', { class: 'alert', role: 'alert' },
      h('p', null, e.message || MSG.GENERIC),
      retry ? h('button', { type: 'button', class: 'btn', onclick: retry }, 'Thử lại') : null);
  }

  // ---------- header: who is signed in, navigation by permission ----------
  function updateChrome() {
    const signedIn = session.valid() && !!me;
    menuButton.hidden = !signedIn;
    navEl.hidden = !signedIn;
    document.body.classList.toggle('signed-in', signedIn);
    if (!signedIn) { navList.replaceChildren(); $('#console-user').replaceChildren(); return; }
    const o = me.organizer;
    $('#console-user').replaceChildren(h('strong', null, o.full_name), ` · ${ROLE_NAMES[o.role] || o.role}`, o.unit_id ? ` · ${unitName(o.unit_id)}` : '');
    navList.replaceChildren(
      ...screens.filter((s) => s.nav && allowed(s)).map((s) => h('li', null, h('a', { href: `#/${s.path}` }, s.nav))),
      h('li', null, h('button', { type: 'button', class: 'nav-button', onclick: logout }, 'Đăng xuất')));
    markNav(currentRoute().split('/')[0]);
  }

  function markNav(head) {
    navList.querySelectorAll('a').forEach((a) => {
      if (a.getAttribute('href') === `#/${head}`) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
  }

  function closeMenu() {
    menuButton.setAttribute('aria-expanded', 'false');
    navEl.classList.remove('open');
  }
  menuButton.addEventListener('click', () => {
    const open = menuButton.getAttribute('aria-expanded') !== 'true';
    menuButton.setAttribute('aria-expanded', String(open));
    navEl.classList.toggle('open', open);
    if (open) { const first = $('a, button', navList); if (first) first.focus(); }
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && navEl.classList.contains('open')) { closeMenu(); menuButton.focus(); }
  });

  // ---------- forms ----------
  let uid = 0;
  // A labelled control with an optional hint and an error line (aria-describedby both).
  function field(name, label, control, hint) {
    const id = `f${++uid}-${name}`;
    const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
    const errorEl = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
    control.id = id;
    if (!control.name) control.name = name;
    control.setAttribute('aria-describedby', [hintEl && hintEl.id, errorEl.id].filter(Boolean).join(' '));
    const wrap = h('div', { class: 'field', 'data-field': name }, h('label', { for: id }, label), hintEl, control, errorEl);
    control.addEventListener('input', () => { // an edited field's old error no longer applies
      if (!wrap.classList.contains('invalid')) return;
      wrap.classList.remove('invalid');
      errorEl.hidden = true;
      control.removeAttribute('aria-invalid');
    });
    return wrap;
  }
  const input = (attrs) => h('input', { type: 'text', autocomplete: 'off', ...attrs });
  const cccdInput = () => input({ inputmode: 'numeric', maxlength: 12, required: true, pattern: '[0-9]{12}', spellcheck: 'false' });

  function clearErrors(form) {
    form.querySelectorAll('[data-field]').forEach((wrap) => setFieldError(form, wrap.dataset.field, ''));
    formAlert(form, null);
  }
  function focusField(form, name) {
    const control = form.querySelector(`[data-field="${name}"] input, [data-field="${name}"] select, [data-field="${name}"] textarea`);
    if (control) control.focus();
  }
  const formAlertBox = () => h('div', { class: 'form-alert alert', role: 'alert', tabindex: '-1', hidden: true });
  function formAlert(form, message) {
    const box = $('.form-alert', form);
    box.replaceChildren(...[].concat(message || []));
    box.hidden = !message;
    if (message) box.focus();
  }
  // Local checks: {name: () => message or ''}; shows every error, focuses the first.
  function check(form, checks) {
    clearErrors(form);
    const bad = Object.entries(checks).filter(([name, fn]) => {
      const message = fn();
      setFieldError(form, name, message);
      return !!message;
    }).map(([name]) => name);
    if (bad.length) focusField(form, bad[0]);
    return !bad.length;
  }
  // An API refusal: next to its field when it names one, else above the form.
  function showApiError(form, e) {
    if (e.code === 'UNAUTHORIZED') return;
    if (e.field && setFieldError(form, e.field, e.message)) { formAlert(form, null); focusField(form, e.field); } else formAlert(form, e.message);
  }
  async function busy(button, label, work) {
    const original = button.textContent;
    button.disabled = true; button.textContent = label;
    try { return await work(); } finally { button.disabled = false; button.textContent = original; }
  }
  const value = (form, name) => {
    const el = form.elements[name];
    return el && typeof el.value === 'string' ? el.value.trim() : '';
  };
  const cccdProblem = (v) => (/^\d{12}$/.test(v) ? '' : `Số CCCD gồm đúng 12 chữ số (bạn đã nhập ${v.replace(/\D/g, '').length} chữ số).`);

  // An outcome line inside a screen (a success or a refusal), announced politely or at once.
  function outcome() {
    const box = h('div', { class: 'outcome' });
    box.ok = (text) => { box.replaceChildren(h('p', { class: 'notice', role: 'status', tabindex: '-1' }, ...[].concat(text))); box.firstChild.focus(); };
    box.fail = (text) => { box.replaceChildren(h('p', { class: 'alert', role: 'alert', tabindex: '-1' }, ...[].concat(text))); box.firstChild.focus(); };
    box.clear = () => box.replaceChildren();
    return box;
  }

  // ---------- dialogs ----------
  // A modal with a title, content and buttons; resolves to the value of the button pressed
  // (null on Escape). `work(value)` may run before closing: a thrown ApiError shows in the
  // dialog and keeps it open.
  function dialog({ title, content, buttons, form }) {
    return new Promise((resolve) => {
      const id = `dlg${++uid}`;
      const alertBox = formAlertBox();
      const actions = h('p', { class: 'actions' });
      const body = form || h('div');
      const d = h('dialog', { class: 'confirm console-dialog', 'aria-labelledby': `${id}-title` },
        h('h2', { id: `${id}-title` }, title), body);
      body.prepend(alertBox);
      body.append(...[].concat(content || []), actions);
      let settled = false;
      const finish = (result) => {
        if (settled) return;
        settled = true;
        if (d.open) d.close();
        d.remove();
        resolve(result);
      };
      buttons.forEach((b) => {
        const button = h('button', { type: b.submit ? 'submit' : 'button', class: b.primary ? 'btn primary' : 'btn' }, b.label);
        if (b.submit) {
          body.addEventListener('submit', async (e) => {
            e.preventDefault();
            if (b.work) {
              try {
                const result = await busy(button, b.busyLabel || 'Đang gửi…', () => b.work(body));
                if (result === false) return; // the work showed its own problem
                finish(result === undefined ? b.value : result);
              } catch (err) {
                if (err.code === 'UNAUTHORIZED') { finish(null); return; }
                if (form) showApiError(form, err); else formAlert(body, err.message);
              }
            } else finish(b.value);
          });
        } else {
          button.addEventListener('click', () => finish(b.value));
        }
        actions.append(button);
      });
      d.addEventListener('cancel', (e) => { e.preventDefault(); finish(null); });
      document.body.append(d);
      cleanups.push(() => finish(null));
      d.showModal();
      // The first field, or the title of a confirmation (read first; Enter confirms nothing).
      const first = (form && form.querySelector('input:not([hidden]), select, textarea')) || d.querySelector('h2');
      if (first.tagName === 'H2') first.setAttribute('tabindex', '-1');
      first.focus();
    });
  }
  const confirmDialog = (title, content, yes) => dialog({
    title, content, form: h('form', { method: 'dialog', novalidate: true }),
    buttons: [{ label: yes, primary: true, submit: true, value: true }, { label: 'Huỷ', value: false }],
  });

  function table(caption, headers, rows, opts = {}) {
    return h('div', { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: '0' },
      h('table', { class: `${opts.cards === false ? '' : 'rtable'} ${opts.class || ''}`.trim() }, h('caption', null, caption),
        h('thead', null, h('tr', null, headers.map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, rows.map((cells) => h('tr', null, cells.map((c, i) => (i === 0 && opts.rowHeaders
          ? h('th', { scope: 'row', 'data-label': headers[i] }, c)
          : h('td', { 'data-label': headers[i] }, c))))))));
  }
  const badge = (status) => h('span', { class: `badge badge-${status}` }, STATUS[status] || status);

  // ---------- Vietnam time in forms ----------
  // <input type="datetime-local"> shows Vietnam wall-clock time whatever the device's zone.
  function toVnInput(iso) {
    const p = vnParts(Date.parse(iso));
    return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
  }
  function fromVnInput(v) {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v)) return null;
    return `${v.length === 16 ? `${v}:00` : v}+07:00`;
  }

  // ---------- login ----------
  function viewLogin() {
    const button = h('button', { type: 'submit', class: 'btn primary big' }, 'Đăng nhập');
    const form = h('form', { class: 'form card', novalidate: true },
      formAlertBox(),
      field('username', 'Tên đăng nhập', input({ autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: 40 })),
      field('password', 'Mật khẩu', input({ type: 'password', autocomplete: 'current-password', required: true, maxlength: 200 })),
      h('p', { class: 'actions' }, button));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const ok = check(form, {
        username: () => (value(form, 'username') ? '' : 'Hãy nhập tên đăng nhập.'),
        password: () => (form.elements.password.value ? '' : 'Hãy nhập mật khẩu.'),
      });
      if (!ok) return;
      busy(button, 'Đang đăng nhập…', async () => {
        try {
          const data = (await api('POST', 'admin/sessions', { username: value(form, 'username'), password: form.elements.password.value })).data;
          session.save({ token: data.token, expires_at: data.expires_at, organizer: data.organizer });
          me = null;
          const target = pendingRoute || '';
          pendingRoute = null;
          go(target, { replace: true });
        } catch (e) {
          form.elements.password.value = '';
          formAlert(form, e.message);
        }
      });
    });
    show('Đăng nhập',
      h('h1', null, 'Đăng nhập trang Ban Tổ chức'),
      h('p', null, 'Dành cho tài khoản do Ban Tổ chức cấp. Người dự thi đăng nhập ở ', h('a', { href: './' }, 'trang dự thi'), '.'),
      form);
  }

  // ---------- the chart library (uPlot), loaded only by the dashboard ----------
  let chartLoading = null;
  // web.py versions the static/ names below, as in console.html.
  function loadCharts() {
    if (!chartLoading) {
      chartLoading = new Promise((resolve) => {
        document.head.append(h('link', { rel: 'stylesheet', href: 'static/uplot.css' }));
        const script = h('script', {
          src: 'static/uplot.js',
          onload: () => resolve(window.uPlot || null),
          onerror: () => { script.remove(); chartLoading = null; resolve(null); },
        });
        document.head.append(script);
      });
    }
    return chartLoading;
  }

  const CHART_FONT = '13px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif';
  const INK = '#1c1b1a';
  const GRID = '#e2ddd2';
  const RED = '#a3161a';

  function niceMax(max) {
    if (!(max > 0)) return 1;
    const step = 10 ** Math.floor(Math.log10(max));
    return [1, 2, 2.5, 5, 10].map((m) => m * step).find((v) => v >= max * 1.08) || 10 * step;
  }

  function textWidth(text) {
    textWidth.ctx = textWidth.ctx || document.createElement('canvas').getContext('2d');
    textWidth.ctx.font = CHART_FONT;
    return textWidth.ctx.measureText(text).width;
  }

  // Follows its container's width; returns a function that stops following.
  function fitWidth(chart, box, height) {
    let width = box.clientWidth;
    const observer = new ResizeObserver(() => {
      if (box.clientWidth && box.clientWidth !== width) {
        width = box.clientWidth;
        chart.setSize({ width, height: height() });
      }
    });
    observer.observe(box);
    return () => observer.disconnect();
  }

  // Horizontal bars, one per ward or commune (names read across, on a phone too), the value
  // written at the end of each bar.
  function barChart(uPlot, box, labels) {
    const rowHeight = 30;
    const height = () => labels.length * rowHeight + 46;
    let format = (v) => fmtNumber(v);
    let whole = true;
    const chart = new uPlot({
      width: box.clientWidth,
      height: height(),
      legend: { show: false },
      cursor: { show: false },
      padding: [8, 40, 0, 0],
      scales: {
        x: { time: false, ori: 1, dir: -1, range: () => [-0.5, labels.length - 0.5] },
        y: { ori: 0, dir: 1, range: (u, min, max) => [0, niceMax(max)] },
      },
      axes: [
        {
          scale: 'x', side: 3, font: CHART_FONT, stroke: INK, grid: { show: false }, ticks: { show: false }, gap: 6,
          splits: () => labels.map((_, i) => i),
          values: (u, splits) => splits.map((i) => labels[i] || ''),
          size: () => Math.ceil(Math.max(40, ...labels.map(textWidth))) + 12,
        },
        {
          scale: 'y', side: 2, font: CHART_FONT, stroke: INK, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID },
          // Whole numbers for counts, about one tick per 70 px.
          splits: (u, axis, min, max) => {
            const raw = (max - min) / Math.max(1, Math.floor(u.bbox.width / devicePixelRatio / 70));
            const unit = 10 ** Math.floor(Math.log10(raw || 1));
            let step = [1, 2, 2.5, 5, 10].map((m) => m * unit).find((v) => v >= raw) || 10 * unit;
            if (whole) step = Math.max(1, Math.round(step));
            const ticks = [];
            for (let v = 0; v <= max + 1e-9; v += step) ticks.push(Math.round(v * 100) / 100);
            return ticks;
          },
          values: (u, splits) => splits.map((v) => format(v)),
        },
      ],
      series: [
        {},
        { label: 'Giá trị', fill: RED, stroke: RED, width: 0, points: { show: false }, paths: uPlot.paths.bars({ size: [0.7, 22] }) },
      ],
      hooks: {
        draw: [(u) => {
          const ctx = u.ctx;
          const [xs, ys] = u.data;
          ctx.save();
          ctx.font = CHART_FONT.replace('13px', `${Math.round(13 * devicePixelRatio)}px`);
          ctx.fillStyle = INK;
          ctx.textBaseline = 'middle';
          xs.forEach((x, i) => {
            if (ys[i] == null) return;
            const left = u.valToPos(ys[i], 'y', true) + 6 * devicePixelRatio;
            const top = u.valToPos(x, 'x', true);
            ctx.fillText(format(ys[i]), left, top);
          });
          ctx.restore();
        }],
      },
    }, [labels.map((_, i) => i), labels.map(() => 0)], box);
    const stop = fitWidth(chart, box, height);
    return {
      update(values, fmt, wholeNumbers) { format = fmt; whole = wholeNumbers; chart.setData([labels.map((_, i) => i), values]); },
      destroy() { stop(); chart.destroy(); },
    };
  }

  // Attempts per hour, Vietnam time on the axis.
  function lineChart(uPlot, box) {
    const height = () => 220;
    const hourLabel = (ts, i, splits) => {
      const p = vnParts(ts * 1000);
      const time = `${pad(p.hour)}:${pad(p.minute)}`;
      const prev = i > 0 ? vnParts(splits[i - 1] * 1000) : null;
      return !prev || prev.day !== p.day ? `${time}\n${pad(p.day)}/${pad(p.month)}` : time;
    };
    const chart = new uPlot({
      width: box.clientWidth,
      height: height(),
      legend: { show: false },
      cursor: { show: false },
      padding: [12, 16, 0, 0],
      scales: {
        // Half an hour either side of the data (uPlot cannot range a single point by itself).
        x: { time: true, range: (u) => { const xs = u.data[0]; return xs && xs.length ? [xs[0] - 1800, xs[xs.length - 1] + 1800] : [0, 3600]; } },
        y: { range: (u, min, max) => [0, niceMax(max)] },
      },
      axes: [
        {
          font: CHART_FONT, stroke: INK, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID }, space: 64, size: 52,
          incrs: [3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400],
          values: (u, splits) => splits.map((ts, i) => hourLabel(ts, i, splits)),
        },
        {
          font: CHART_FONT, stroke: INK, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID },
          incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000],
          values: (u, splits) => splits.map((v) => fmtNumber(v)),
          size: (u, values) => Math.ceil(Math.max(24, ...(values || []).map(textWidth))) + 14,
        },
      ],
      series: [{}, { label: 'Lượt thi', stroke: RED, width: 2, fill: 'rgba(163, 22, 26, 0.10)', points: { show: true, size: 6, fill: RED } }],
    }, [[], []], box);
    const stop = fitWidth(chart, box, height);
    return {
      update(xs, ys) { chart.setData([xs, ys]); },
      destroy() { stop(); chart.destroy(); },
    };
  }

  // Hours between the first and the last one with attempts, empty hours as 0.
  function hourSeries(perHour) {
    const counts = new Map(perHour.map((p) => [Math.floor(Date.parse(p.hour) / 1000), p.attempts]));
    const keys = [...counts.keys()].sort((a, b) => a - b);
    const xs = [];
    if (keys.length) for (let t = keys[0]; t <= keys[keys.length - 1] && xs.length < 24 * 31; t += 3600) xs.push(t);
    return { xs, ys: xs.map((t) => counts.get(t) || 0) };
  }

  // ---------- dashboard ----------
  let dashboardRound = null;
  const METRICS = {
    attempts: { label: 'Lượt thi', caption: 'Số lượt thi đã nộp', pick: (s, u) => s.per_unit[u] || 0, format: (v) => fmtNumber(v) },
    participants: { label: 'Người dự thi', caption: 'Số người dự thi', pick: (s, u) => (s.participants_per_unit || {})[u] || 0, format: (v) => fmtNumber(v) },
    average: {
      label: 'Điểm trung bình', caption: 'Điểm trung bình (lượt tốt nhất của mỗi người)',
      pick: (s, u) => { const v = (s.average_score_per_unit || {})[u]; return v == null ? null : v; },
      format: (v) => fmtDecimal(Math.round(v * 100) / 100),
    },
  };

  function defaultRound(rounds) {
    return (rounds.find((r) => r.status === 'open')
      || [...rounds].reverse().find((r) => r.status !== 'scheduled')
      || rounds[0] || {}).id;
  }

  async function viewDashboard({ isCurrent }) {
    const contest = await loadContest(true);
    if (!isCurrent()) return;
    if (!contest.rounds.some((r) => r.id === dashboardRound)) dashboardRound = defaultRound(contest.rounds);
    const select = h('select', { id: 'dash-round' },
      contest.rounds.map((r) => h('option', { value: r.id, selected: r.id === dashboardRound }, r.name)));
    const content = h('div', { class: 'dashboard' });
    const updated = h('p', { class: 'hint updated' });
    const ownUnit = me.organizer.role === 'unit_organizer' && me.organizer.unit_id;
    show('Tổng quan',
      h('h1', null, 'Tổng quan'),
      excludedNote(),
      ownUnit ? h('p', null, `Bạn xem số liệu của ${unitName(ownUnit)}.`) : null,
      h('div', { class: 'field round-picker' }, h('label', { for: 'dash-round' }, 'Tuần thi'), select),
      updated,
      content);
    let board = null;
    let timer = null;
    const stop = () => { clearInterval(timer); if (board) board.destroy(); board = null; };
    cleanups.push(stop);

    async function open(roundId) {
      stop();
      content.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Đang tải số liệu…'));
      try {
        const stats = await call('GET', `admin/rounds/${enc(roundId)}/stats`);
        if (!isCurrent() || roundId !== dashboardRound) return;
        board = buildBoard(content, roundId, stats);
        updated.textContent = `Số liệu lúc ${fmtClock()}; tự cập nhật mỗi 30 giây.`;
      } catch (e) {
        if (!isCurrent() || e.code === 'UNAUTHORIZED') return;
        content.replaceChildren(errorBox(e, () => open(roundId)));
        return;
      }
      timer = setInterval(async () => {
        try {
          const [stats] = await Promise.all([call('GET', `admin/rounds/${enc(roundId)}/stats`), loadContest(true)]);
          if (!isCurrent() || !board || roundId !== dashboardRound) return;
          board.update(stats);
          updated.textContent = `Số liệu lúc ${fmtClock()}; tự cập nhật mỗi 30 giây.`;
        } catch (e) {
          if (e.code !== 'UNAUTHORIZED') updated.textContent = `Chưa cập nhật được số liệu (${e.message}) Sẽ thử lại sau 30 giây.`;
        }
      }, REFRESH_MS);
    }
    select.addEventListener('change', () => { dashboardRound = select.value; open(dashboardRound); });
    await open(dashboardRound);
  }

  const fmtClock = () => { const p = vnParts(Date.now()); return `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`; };

  function buildBoard(content, roundId, first) {
    const units = first.units;
    const round = () => contestCache.rounds.find((r) => r.id === roundId);
    const state = h('div');
    const totals = h('div', { class: 'tiles' });
    let metric = 'attempts';
    const metricPicker = h('fieldset', { class: 'radios segmented' },
      h('legend', null, 'Số liệu trên biểu đồ'),
      Object.entries(METRICS).map(([key, m]) => h('label', null,
        h('input', { type: 'radio', name: 'metric', value: key, checked: key === metric }), ` ${m.label}`)));
    const barCaption = h('figcaption', { id: 'bar-caption' });
    const barBox = h('div', { class: 'chart', 'aria-hidden': 'true' });
    const barNote = h('p', { class: 'hint' });
    const unitTable = h('div');
    const lineBox = h('div', { class: 'chart', 'aria-hidden': 'true' });
    const lineNote = h('p', { class: 'hint' });
    const hourTable = h('div');
    const distribution = h('div');
    content.replaceChildren(
      h('section', { class: 'card', 'aria-labelledby': 'h-state' }, h('h2', { id: 'h-state' }, 'Tình trạng'), state, totals),
      h('section', { class: 'card', 'aria-labelledby': 'h-units' },
        h('h2', { id: 'h-units' }, 'Theo phường, xã'),
        units.length > 1 ? metricPicker : null,
        h('figure', { class: 'chart-figure' }, barCaption, barBox, barNote,
          h('details', { class: 'chart-data' }, h('summary', null, 'Bảng số liệu theo phường, xã'), unitTable))),
      h('section', { class: 'card', 'aria-labelledby': 'h-hours' },
        h('h2', { id: 'h-hours' }, 'Lượt thi theo giờ'),
        h('figure', { class: 'chart-figure' }, h('figcaption', null, 'Số lượt thi nộp trong từng giờ (giờ Việt Nam)'), lineBox, lineNote,
          h('details', { class: 'chart-data' }, h('summary', null, 'Bảng số liệu theo giờ'), hourTable))),
      distribution);

    let stats = first;
    let bars = null;
    let line = null;
    let gone = false;
    const labels = units.map(unitShort);

    function drawBars() {
      const m = METRICS[metric];
      barCaption.textContent = `${m.caption} theo phường, xã`;
      if (bars) bars.update(units.map((u) => m.pick(stats, u)), m.format, metric !== 'average');
    }
    function drawLine() {
      const { xs, ys } = hourSeries(stats.attempts_per_hour || []);
      lineBox.hidden = !xs.length;
      lineNote.textContent = xs.length ? '' : 'Chưa có lượt thi nào được nộp.';
      if (line && xs.length) line.update(xs, ys);
      hourTable.replaceChildren(xs.length
        ? table('Lượt thi theo giờ', ['Giờ (giờ Việt Nam)', 'Lượt thi'], xs.map((t, i) => [fmtShort(new Date(t * 1000).toISOString()), fmtNumber(ys[i])]), { cards: false })
        : h('p', null, 'Chưa có số liệu.'));
    }
    function fill() {
      const r = round();
      state.replaceChildren(
        h('p', { class: 'round-head' }, h('strong', null, r ? r.name : roundId), ' ', r ? badge(r.status) : null),
        r ? h('dl', { class: 'facts' },
          h('dt', null, 'Mở'), h('dd', null, fmtDateTime(r.opens_at)),
          h('dt', null, 'Đóng'), h('dd', null, fmtDateTime(r.closes_at)),
          h('dt', null, 'Công bố'), h('dd', null, fmtDateTime(r.publish_at))) : null);
      totals.replaceChildren(
        h('p', { class: 'tile' }, h('span', { class: 'tile-value' }, fmtNumber(stats.attempts)), h('span', { class: 'tile-label' }, 'lượt thi đã nộp')),
        h('p', { class: 'tile' }, h('span', { class: 'tile-value' }, fmtNumber(stats.participants)), h('span', { class: 'tile-label' }, 'người dự thi')));
      unitTable.replaceChildren(table('Số liệu theo phường, xã', ['Phường, xã', 'Lượt thi', 'Người dự thi', 'Điểm trung bình'],
        units.map((u) => [unitName(u), METRICS.attempts.format(METRICS.attempts.pick(stats, u)),
          METRICS.participants.format(METRICS.participants.pick(stats, u)),
          METRICS.average.pick(stats, u) == null ? '—' : METRICS.average.format(METRICS.average.pick(stats, u))]), { cards: false, class: 'numbers' }));
      const dist = Object.entries(stats.score_distribution || {}).sort((a, b) => +b[0] - +a[0]);
      distribution.replaceChildren(dist.length
        ? h('section', { class: 'card', 'aria-labelledby': 'h-dist' }, h('h2', { id: 'h-dist' }, 'Phân bố điểm'),
          h('p', { class: 'hint' }, 'Điểm của lượt tốt nhất của mỗi người.'),
          table('Phân bố điểm', ['Số câu đúng', 'Số người'], dist.map(([score, n]) => [score, fmtNumber(n)]), { cards: false }))
        : '');
      drawBars();
      drawLine();
    }
    metricPicker.addEventListener('change', (e) => { metric = e.target.value; drawBars(); });
    fill();
    loadCharts().then((uPlot) => {
      if (gone) return;
      if (!uPlot) {
        barNote.textContent = 'Không tải được biểu đồ; số liệu ở bảng dưới.';
        content.querySelectorAll('details.chart-data').forEach((d) => { d.open = true; });
        return;
      }
      bars = barChart(uPlot, barBox, labels);
      line = lineChart(uPlot, lineBox);
      drawBars();
      drawLine();
    });
    return {
      update(next) { stats = next; fill(); },
      destroy() { gone = true; if (bars) bars.destroy(); if (line) line.destroy(); },
    };
  }

  function excludedNote() {
    return me && me.excluded_from_contest
      ? h('p', { class: 'note-warn' }, 'Tài khoản của bạn gắn với CCCD nên bạn không được dự thi (mục 2.2 Kế hoạch).')
      : null;
  }

  // ---------- rounds ----------
  async function viewRounds({ isCurrent, param }) {
    if (param) { await viewRanking(param, isCurrent); return; }
    const contest = await loadContest(true);
    if (!isCurrent()) return;
    const result = outcome();
    const cards = contest.rounds.map((r) => roundCard(r, result));
    show('Tuần thi', h('h1', null, 'Tuần thi'),
      h('p', { class: 'hint' }, 'Mọi thời gian là giờ Việt Nam. Tuần thi tự đóng, xếp hạng và công bố theo các mốc này; các nút dưới đây làm việc đó ngay.'),
      result,
      h('ul', { class: 'round-cards' }, cards));
  }

  function roundCard(r, result) {
    const timesForm = can('rounds.update') ? moveTimesForm(r, result) : null;
    const actions = h('p', { class: 'actions' },
      timesForm ? h('button', {
        type: 'button', class: 'btn', 'aria-expanded': 'false', 'aria-controls': timesForm.id,
        onclick: (e) => {
          const opening = timesForm.hidden;
          timesForm.hidden = !opening;
          e.currentTarget.setAttribute('aria-expanded', String(opening));
          if (opening) timesForm.querySelector('input').focus();
        },
      }, 'Đổi thời gian') : null,
      can('rounds.close') && r.status === 'closed' ? h('button', { type: 'button', class: 'btn primary', onclick: (e) => closeRound(r, result, e.currentTarget) }, 'Đóng và xếp hạng') : null,
      can('rounds.publish') && r.status === 'ranked' ? h('button', { type: 'button', class: 'btn primary', onclick: (e) => publishRound(r, result, e.currentTarget) }, 'Công bố kết quả') : null,
      can('ranking.read') ? h('a', { class: 'btn', href: `#/tuan-thi/${enc(r.id)}` }, r.status === 'published' ? 'Xem bảng xếp hạng đã công bố' : 'Xem bảng xếp hạng') : null,
      r.status === 'published' ? h('a', { class: 'btn', href: `./#/ket-qua/${enc(r.id)}` }, 'Trang kết quả công khai') : null);
    return h('li', { class: 'card round-card' },
      h('div', { class: 'round-head' }, h('h2', null, r.name), badge(r.status)),
      h('dl', { class: 'facts' },
        TIME_FIELDS.map(([key]) => [h('dt', null, TIME_SHORT[key]), h('dd', null, fmtDateTime(r[key]))])),
      actions,
      timesForm);
  }

  function moveTimesForm(r, result) {
    const button = h('button', { type: 'submit', class: 'btn primary' }, 'Xem lại và lưu');
    const form = h('form', { class: 'times-form', id: `times-${r.id}`, novalidate: true, hidden: true },
      formAlertBox(),
      h('p', { class: 'hint' }, 'Giờ Việt Nam (UTC+7). Giờ mở phải trước giờ đóng; giờ công bố không trước giờ đóng.'),
      h('div', { class: 'times-grid' },
        TIME_FIELDS.map(([key, label]) => field(key, label, input({ type: 'datetime-local', value: toVnInput(r[key]), required: true, step: 60 })))),
      h('p', { class: 'actions' }, button,
        h('button', { type: 'button', class: 'btn', onclick: () => { form.reset(); clearErrors(form); form.hidden = true; const t = form.parentElement.querySelector('[aria-controls]'); if (t) { t.setAttribute('aria-expanded', 'false'); t.focus(); } } }, 'Huỷ')));
    form.addEventListener('reset', () => setTimeout(() => TIME_FIELDS.forEach(([key]) => { form.elements[key].value = toVnInput(r[key]); })));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const ok = check(form, Object.fromEntries(TIME_FIELDS.map(([key]) => [key, () => (fromVnInput(value(form, key)) ? '' : 'Hãy chọn ngày và giờ.')])));
      if (!ok) return;
      const after = Object.fromEntries(TIME_FIELDS.map(([key]) => [key, value(form, key) === toVnInput(r[key]) ? r[key] : fromVnInput(value(form, key))]));
      const changed = TIME_FIELDS.filter(([key]) => after[key] !== r[key]);
      if (!changed.length) { formAlert(form, 'Bạn chưa đổi mốc thời gian nào.'); return; }
      if (!(Date.parse(after.opens_at) < Date.parse(after.closes_at) && Date.parse(after.closes_at) <= Date.parse(after.publish_at))) {
        formAlert(form, 'Thời gian chưa hợp lệ: giờ mở phải trước giờ đóng, giờ công bố không trước giờ đóng.');
        return;
      }
      const body = Object.fromEntries(changed.map(([key]) => [key, after[key]]));
      const confirmed = await confirmDialog(`Đổi thời gian ${r.name}?`, [
        table(`Thời gian ${r.name}: trước và sau khi đổi`, ['Mốc', 'Trước', 'Sau'],
          TIME_FIELDS.map(([key]) => [`Giờ ${TIME_SHORT[key].toLowerCase()}`, fmtDateTime(r[key]),
            after[key] === r[key] ? 'không đổi' : h('strong', null, fmtDateTime(after[key]))]), { class: 'compare', cards: false, rowHeaders: true }),
        h('p', { class: 'hint' }, 'Giờ Việt Nam. Người đang làm bài giữ nguyên hạn nộp của lượt đã bắt đầu; không nhận bài sau giờ đóng mới (cộng thời gian chờ mạng).'),
      ], 'Xác nhận đổi thời gian');
      if (!confirmed) return;
      await busy(button, 'Đang lưu…', async () => {
        try {
          const saved = await call('PATCH', `admin/rounds/${enc(r.id)}`, body);
          flash = { kind: 'notice', text: `Đã đổi thời gian ${r.name}: mở ${fmtDateTime(saved.opens_at)}, đóng ${fmtDateTime(saved.closes_at)}, công bố ${fmtDateTime(saved.publish_at)}.` };
          render();
        } catch (e) {
          showApiError(form, e);
        }
      });
    });
    return form;
  }

  // Closing answers 409 STATS_PENDING while the stream handler counts the attempts it has
  // just submitted: the round is closed; asking again a few seconds later ranks it.
  async function closeAndRank(roundId, onWait) {
    for (let tries = 0; ; tries++) {
      try {
        return await call('POST', `admin/rounds/${enc(roundId)}/close`, {});
      } catch (e) {
        if (e.code !== 'STATS_PENDING' || tries >= 10) throw e;
        onWait(e.message);
        await sleep(3000);
      }
    }
  }

  async function closeRound(r, result, button) {
    const ok = await confirmDialog(`Đóng và xếp hạng ${r.name}?`, [
      h('p', null, `Tuần thi đã hết giờ lúc ${fmtDateTime(r.closes_at)}. Hệ thống nộp các bài còn dở với câu trả lời đã lưu, chốt số lượt dự thi thực tế và xếp hạng.`),
      h('p', null, 'Bảng xếp hạng chưa công khai cho đến khi công bố.'),
    ], 'Đóng và xếp hạng');
    if (!ok) return;
    await busy(button, 'Đang đóng…', async () => {
      try {
        const ranking = await closeAndRank(r.id, (message) => { button.textContent = 'Đang chờ số liệu…'; result.ok(message); });
        flash = { kind: 'notice', text: `Đã đóng và xếp hạng ${r.name}: ${fmtNumber(ranking.actual_prediction_value)} lượt dự thi, ${ranking.individual.length} giải cá nhân. Mã kiểm tra: ${ranking.sha256.slice(0, 16)}…` };
        go(`tuan-thi/${enc(r.id)}`);
      } catch (e) {
        if (e.code !== 'UNAUTHORIZED') result.fail(`Không đóng được ${r.name}: ${e.message}`);
      }
    });
  }

  async function publishRound(r, result, button) {
    const ok = await confirmDialog(`Công bố kết quả ${r.name}?`, [
      h('p', null, 'Kết quả được công khai ngay trên trang dự thi và không thay đổi được nữa (không loại thêm ai khỏi xét giải).'),
      r.publish_at ? h('p', null, `Giờ công bố theo kế hoạch: ${fmtDateTime(r.publish_at)}.`) : null,
    ], 'Công bố ngay');
    if (!ok) return;
    await busy(button, 'Đang công bố…', async () => {
      try {
        const published = await call('POST', `admin/rounds/${enc(r.id)}/publish`, {});
        flash = { kind: 'notice', text: `Đã công bố kết quả ${r.name} lúc ${fmtDateTime(published.published_at)}. Mã kiểm tra (SHA-256): ${published.sha256}` };
        render();
      } catch (e) {
        if (e.code !== 'UNAUTHORIZED') result.fail(`Chưa công bố được ${r.name}: ${e.message}`);
      }
    });
  }

  // ---------- ranking preview ----------
  const FLAG_LABELS = {
    too_fast: () => 'Làm bài quá nhanh',
    registration_burst: (f) => `Đăng ký hàng loạt cùng mạng (${f.count})`,
    shared_phone: (f) => `Nhiều tài khoản cùng số điện thoại (${f.count})`,
    same_answers: () => 'Trả lời giống hệt tài khoản khác',
  };

  function entryTags(e) {
    const tags = [];
    if (e.excluded) tags.push(['bad', 'Không được dự thi (danh sách loại trừ)']);
    if (e.too_fast && !(e.flags || []).some((f) => f.code === 'too_fast')) tags.push(['warn', FLAG_LABELS.too_fast()]);
    (e.flags || []).forEach((f) => tags.push(['warn', (FLAG_LABELS[f.code] || (() => f.code))(f)]));
    if (e.disqualified) tags.push(['bad', `Đã loại khỏi xét giải: ${e.disqualified.reason} (${e.disqualified.by}, ${fmtShort(e.disqualified.at)})`]);
    return tags;
  }

  async function viewRanking(roundId, isCurrent) {
    if (!can('ranking.read')) {
      show('Bảng xếp hạng', h('h1', null, 'Bảng xếp hạng'), h('div', { class: 'alert', role: 'alert' }, MSG.NOT_ALLOWED));
      return;
    }
    const [contest, data] = await Promise.all([loadContest(true), call('GET', `admin/rounds/${enc(roundId)}/ranking`)]);
    if (!isCurrent()) return;
    const r = contest.rounds.find((x) => x.id === roundId) || { id: roundId, name: roundId, status: data.state };
    const result = outcome();
    const prizeName = (code) => (contest.prizes.individual.find((p) => p.prize === code) || { name: code }).name;
    const published = r.status === 'published';
    const decide = can('ranking.decide') && !published;
    let onlyReview = false;

    const list = h('div');
    const filter = h('label', { class: 'inline-check' },
      h('input', { type: 'checkbox', onchange: (e) => { onlyReview = e.target.checked; drawList(); } }),
      ' Chỉ hiện người đạt giải hoặc cần xem xét');

    // One card per person (a phone shows ten columns badly): rank and prize, who, the figures
    // that rank them, then the warnings as words and the decision buttons.
    function drawList() {
      const entries = data.entries.filter((e) => !onlyReview || e.prize || entryTags(e).length);
      list.replaceChildren(entries.length
        ? h('ol', { class: 'entries', 'aria-label': `Bảng xếp hạng cá nhân ${r.name}` }, entries.map((e) => {
          const tags = entryTags(e);
          return h('li', { class: `entry${tags.length ? ' entry-flagged' : ''}` },
            h('p', { class: 'entry-head' },
              h('span', { class: 'entry-rank' }, `Hạng ${e.rank}`),
              e.prize ? h('span', { class: 'entry-prize' }, `${prizeName(e.prize)}${e.amount ? ` · ${money(e.amount)}` : ''}`) : null),
            h('p', { class: 'entry-who' }, h('strong', null, e.full_name || '(không hiện tên)'), ` · CCCD ${e.national_id_masked} · ${unitName(e.unit_id)}`),
            h('p', { class: 'entry-figures' },
              `${e.correct}/${e.total} câu đúng · dự đoán ${e.prediction == null ? '—' : `${fmtNumber(e.prediction)} (sai ${fmtNumber(e.prediction_error)})`}`,
              ` · ${fmtDuration(e.duration_ms)} · nộp ${fmtShort(e.submitted_at)}`),
            tags.length ? h('ul', { class: 'tags', 'aria-label': 'Cảnh báo' }, tags.map(([kind, text]) => h('li', { class: `tag tag-${kind}` }, text))) : null,
            decide ? h('p', { class: 'entry-actions' },
              e.disqualified
                ? h('button', { type: 'button', class: 'btn small', 'aria-label': `Huỷ loại ${e.national_id_masked}`, onclick: () => undo(e) }, 'Huỷ loại')
                : h('button', { type: 'button', class: 'btn small', 'aria-label': `Loại khỏi xét giải ${e.national_id_masked}`, onclick: () => disqualify(e) }, 'Loại khỏi xét giải')) : null);
        }))
        : h('p', null, data.entries.length ? 'Không có ai đạt giải hoặc cần xem xét.' : 'Chưa có bài thi nào được nộp.'));
    }

    const whoLine = (e) => h('p', null, h('strong', null, e.full_name || 'Người dự thi'), ` · CCCD ${e.national_id_masked} · ${unitName(e.unit_id)} · hạng ${e.rank}`);
    const matchesMask = (full, masked) => full.slice(-4) === String(masked).slice(-4);

    async function disqualify(e) {
      const form = h('form', { novalidate: true },
        whoLine(e),
        h('ul', { class: 'tags' }, entryTags(e).map(([kind, text]) => h('li', { class: `tag tag-${kind}` }, text))),
        field('national_id', 'Số CCCD đầy đủ của người này', cccdInput(), 'Bảng xếp hạng chỉ hiện 4 số cuối: nhập đủ 12 số từ hồ sơ để chắc chắn đúng người.'),
        field('reason', 'Lý do loại', h('textarea', { rows: 3, maxlength: 300, required: true })));
      const done = await dialog({
        title: 'Loại khỏi xét giải', form,
        buttons: [{
          label: 'Loại khỏi xét giải', primary: true, submit: true, busyLabel: 'Đang lưu…',
          work: async () => {
            const id = value(form, 'national_id');
            const ok = check(form, {
              national_id: () => cccdProblem(id) || (matchesMask(id, e.national_id_masked) ? '' : `4 số cuối phải là ${String(e.national_id_masked).slice(-4)}.`),
              reason: () => (value(form, 'reason') ? '' : 'Hãy ghi lý do.'),
            });
            if (!ok) return false;
            return call('POST', `admin/rounds/${enc(roundId)}/disqualifications`, { national_id: id, reason: value(form, 'reason') });
          },
        }, { label: 'Huỷ', value: null }],
      });
      if (!done) return;
      flash = { kind: 'notice', text: `Đã loại ${done.national_id_masked} khỏi xét giải ${r.name}.${done.ranking ? ' Bảng xếp hạng đã được tính lại.' : ''}` };
      render();
    }

    async function undo(e) {
      const form = h('form', { novalidate: true },
        whoLine(e),
        h('p', null, `Lý do đã ghi: ${e.disqualified.reason}`),
        field('national_id', 'Số CCCD đầy đủ của người này', cccdInput(), 'Nhập đủ 12 số để xác nhận đúng người.'));
      const done = await dialog({
        title: 'Huỷ loại khỏi xét giải', form,
        buttons: [{
          label: 'Huỷ loại', primary: true, submit: true, busyLabel: 'Đang lưu…',
          work: async () => {
            const id = value(form, 'national_id');
            if (!check(form, { national_id: () => cccdProblem(id) || (matchesMask(id, e.national_id_masked) ? '' : `4 số cuối phải là ${String(e.national_id_masked).slice(-4)}.`) })) return false;
            return call('DELETE', `admin/rounds/${enc(roundId)}/disqualifications/${enc(id)}`);
          },
        }, { label: 'Đóng', value: null }],
      });
      if (!done) return;
      flash = { kind: 'notice', text: `Đã huỷ loại ${done.national_id_masked}; người này lại được xét giải ${r.name}.` };
      render();
    }

    const actions = h('p', { class: 'actions' },
      can('rounds.close') && r.status === 'closed' ? h('button', { type: 'button', class: 'btn primary', onclick: (ev) => closeRound(r, result, ev.currentTarget) }, 'Đóng và xếp hạng') : null,
      can('rounds.publish') && r.status === 'ranked' ? h('button', { type: 'button', class: 'btn primary', onclick: (ev) => publishRound(r, result, ev.currentTarget) }, 'Công bố kết quả') : null,
      published ? h('a', { class: 'btn', href: `./#/ket-qua/${enc(r.id)}` }, 'Trang kết quả công khai') : null);
    const flagged = data.units.reduce((n, u) => n + u.flagged_participants, 0);
    drawList();
    show(`Bảng xếp hạng ${r.name}`,
      h('p', { class: 'crumbs' }, h('a', { href: '#/tuan-thi' }, '← Các tuần thi')),
      h('h1', null, `Bảng xếp hạng ${r.name}`),
      h('p', { class: 'round-head' }, badge(r.status)),
      data.provisional ? h('p', { class: 'note-warn' }, 'Bảng tạm tính: tuần thi chưa đóng, thứ hạng còn thay đổi.') : null,
      published ? h('p', { class: 'hint' }, 'Kết quả đã công bố nên không loại hay huỷ loại được nữa.') : null,
      h('dl', { class: 'facts' },
        h('dt', null, 'Số lượt dự thi (đáp án câu dự đoán)'), h('dd', null, fmtNumber(data.actual_prediction_value)),
        h('dt', null, 'Người trong bảng'), h('dd', null, fmtNumber(data.entries.length)),
        h('dt', null, 'Người cần xem xét'), h('dd', null, fmtNumber(flagged))),
      result,
      actions,
      h('section', { class: 'card', 'aria-labelledby': 'h-rank-units' },
        h('h2', { id: 'h-rank-units' }, 'Theo phường, xã'),
        data.units.length
          ? table(`Người dự thi và người cần xem xét theo phường, xã, ${r.name}`, ['Phường, xã', 'Người dự thi', 'Cần xem xét'],
            data.units.map((u) => [unitName(u.unit_id), fmtNumber(u.participants), fmtNumber(u.flagged_participants)]), { cards: false })
          : h('p', null, 'Chưa có số liệu.')),
      h('section', { class: 'card', 'aria-labelledby': 'h-rank-list' },
        h('h2', { id: 'h-rank-list' }, 'Bảng xếp hạng cá nhân'),
        h('p', { class: 'hint' }, 'Cảnh báo chỉ để Ban Tổ chức xem xét; người bị cảnh báo vẫn được xếp hạng cho đến khi bị loại. Bài làm quá nhanh không được xét giải.'),
        filter, list));
  }

  // ---------- exclusion list ----------
  async function viewExclusions({ isCurrent }) {
    const data = await call('GET', 'admin/exclusions');
    if (!isCurrent()) return;
    const result = outcome();
    const button = h('button', { type: 'submit', class: 'btn primary' }, 'Thêm vào danh sách');
    const form = h('form', { class: 'form', novalidate: true },
      formAlertBox(),
      field('national_id', 'Số CCCD', cccdInput(), 'Gồm 12 chữ số.'),
      field('reason', 'Lý do', input({ maxlength: 300, required: true }), 'Ví dụ: Thành viên Tổ biên soạn câu hỏi.'),
      h('p', { class: 'actions' }, button));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!check(form, { national_id: () => cccdProblem(value(form, 'national_id')), reason: () => (value(form, 'reason') ? '' : 'Hãy ghi lý do.') })) return;
      busy(button, 'Đang thêm…', async () => {
        try {
          const added = await call('POST', 'admin/exclusions', { national_id: value(form, 'national_id'), reason: value(form, 'reason') });
          flash = { kind: 'notice', text: `Đã thêm ${added.national_id_masked} vào danh sách không được dự thi.` };
          render();
        } catch (e) { showApiError(form, e); }
      });
    });
    const entries = data.entries;
    const rows = entries.map((e) => [
      e.national_id_masked,
      e.reason || '—',
      e.automatic ? h('span', null, h('span', { class: 'tag tag-info' }, 'Tài khoản Ban Tổ chức'), ` ${e.organizer}`) : 'Thêm thủ công',
      e.automatic
        ? h('span', { class: 'hint' }, 'Tự động theo tài khoản; sửa ở mục Quản lý tài khoản.')
        : h('button', { type: 'button', class: 'btn small', onclick: (ev) => remove(e, ev.currentTarget) }, 'Xoá khỏi danh sách'),
    ]);
    async function remove(e, btn) {
      const ok = await confirmDialog('Xoá khỏi danh sách?', h('p', null, `Xoá CCCD ${e.national_id_masked} (${e.reason || 'không ghi lý do'}) khỏi danh sách không được dự thi? Người này sẽ đăng ký dự thi được.`), 'Xoá khỏi danh sách');
      if (!ok) return;
      await busy(btn, 'Đang xoá…', async () => {
        try {
          const removed = await call('DELETE', `admin/exclusions/${enc(e.national_id)}`);
          flash = { kind: 'notice', text: `Đã xoá ${removed.national_id_masked} khỏi danh sách không được dự thi.` };
          render();
        } catch (err) { if (err.code !== 'UNAUTHORIZED') result.fail(err.message); }
      });
    }
    show('Không được dự thi',
      h('h1', null, 'Người không được dự thi'),
      h('p', null, 'Thành viên Ban Tổ chức, Tổ biên soạn câu hỏi và bộ phận kỹ thuật không được dự thi (mục 2.2 Kế hoạch): họ không đăng ký được, và nếu đã đăng ký thì không được xét giải. CCCD gắn với tài khoản Ban Tổ chức có trong danh sách tự động.'),
      result,
      h('section', { class: 'card', 'aria-labelledby': 'h-excl-add' }, h('h2', { id: 'h-excl-add' }, 'Thêm người'), form),
      h('section', { class: 'card', 'aria-labelledby': 'h-excl-list' },
        h('h2', { id: 'h-excl-list' }, `Danh sách (${fmtNumber(entries.length)} người)`),
        entries.length ? table('Danh sách không được dự thi', ['CCCD', 'Lý do', 'Nguồn', 'Thao tác'], rows) : h('p', null, 'Danh sách trống.')));
  }

  // ---------- participants: give a CCCD back to its owner ----------
  async function viewParticipants({ isCurrent }) {
    if (!isCurrent()) return;
    const ownUnit = me.organizer.role === 'unit_organizer' ? me.organizer.unit_id : null;
    const button = h('button', { type: 'submit', class: 'btn primary' }, 'Huỷ đăng ký, trả lại CCCD');
    const form = h('form', { class: 'form', novalidate: true },
      formAlertBox(),
      field('national_id', 'Số CCCD bị đăng ký nhầm', cccdInput(), 'Số trên thẻ CCCD gốc của người chủ thẻ (12 chữ số).'),
      field('reason', 'Lý do', h('textarea', { rows: 3, maxlength: 300, required: true }), 'Ví dụ: Đã kiểm tra CCCD bản gốc của người chủ thẻ.'),
      h('p', { class: 'actions' }, button));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const id = value(form, 'national_id');
      if (!check(form, { national_id: () => cccdProblem(id), reason: () => (value(form, 'reason') ? '' : 'Hãy ghi lý do.') })) return;
      const ok = await confirmDialog('Huỷ đăng ký này?', [
        h('p', null, `Đăng ký đang dùng CCCD ${'*'.repeat(8)}${id.slice(-4)} sẽ bị huỷ: người đã đăng ký không đăng nhập được nữa, bài thi của họ không được xét giải và không tính cho tập thể.`),
        h('p', null, 'Người chủ thẻ sau đó tự đăng ký bằng CCCD của mình.'),
      ], 'Huỷ đăng ký');
      if (!ok) return;
      await busy(button, 'Đang huỷ…', async () => {
        try {
          const done = await call('DELETE', `admin/participants/${enc(id)}`, { reason: value(form, 'reason') });
          flash = { kind: 'notice', text: `Đã huỷ đăng ký dùng CCCD ${done.national_id_masked} (${unitName(done.unit_id)}). Người chủ thẻ có thể đăng ký dự thi.` };
          render();
        } catch (e) { showApiError(form, e); }
      });
    });
    show('Người dự thi',
      h('h1', null, 'Người dự thi'),
      h('section', { class: 'card', 'aria-labelledby': 'h-release' },
        h('h2', { id: 'h-release' }, 'Trả lại CCCD cho người chủ thẻ'),
        h('p', null, 'Khi có người dùng CCCD của người khác để đăng ký: sau khi kiểm tra thẻ CCCD gốc của người chủ, huỷ đăng ký đó để người chủ thẻ tự đăng ký. Đăng ký cũ được lưu lại kèm lý do và người thực hiện.'),
        ownUnit ? h('p', { class: 'hint' }, `Bạn chỉ huỷ được đăng ký thuộc ${unitName(ownUnit)}.`) : null,
        form));
  }

  // ---------- accounts (admin) ----------
  function roleSelect(current) {
    return h('select', { required: true },
      Object.keys(ROLE_NAMES).map((role) => h('option', { value: role, selected: role === current }, `${ROLE_NAMES[role]} (${ROLE_HINTS[role]})`)));
  }
  function unitSelect(current) {
    return h('select', null, h('option', { value: '' }, '— Chọn phường, xã —'),
      contestCache.units.map((u) => h('option', { value: u.id, selected: u.id === current }, u.name)));
  }
  // The unit field is shown (and required) only for a ward or commune office.
  function linkRoleAndUnit(form) {
    const sync = () => { form.querySelector('[data-field="unit_id"]').hidden = form.elements.role.value !== 'unit_organizer'; };
    form.elements.role.addEventListener('change', sync);
    sync();
  }
  const roleChecks = (form) => ({
    unit_id: () => (form.elements.role.value === 'unit_organizer' && !value(form, 'unit_id') ? 'Hãy chọn phường, xã của văn phòng.' : ''),
  });
  const passwordProblem = (v) => (v.length >= 10 ? '' : `Mật khẩu cần ít nhất 10 ký tự (mới có ${v.length}).`);

  async function viewAccounts({ isCurrent }) {
    const data = await call('GET', 'admin/organizers');
    if (!isCurrent()) return;
    const result = outcome();
    const button = h('button', { type: 'submit', class: 'btn primary' }, 'Tạo tài khoản');
    const form = h('form', { class: 'form', novalidate: true },
      formAlertBox(),
      field('username', 'Tên đăng nhập', input({ autocapitalize: 'none', spellcheck: 'false', maxlength: 40, required: true }), '3–40 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới.'),
      field('full_name', 'Họ và tên', input({ maxlength: 100, required: true })),
      field('role', 'Vai trò', roleSelect('unit_organizer')),
      field('unit_id', 'Phường, xã', unitSelect(null)),
      field('password', 'Mật khẩu ban đầu', input({ type: 'password', autocomplete: 'new-password', maxlength: 200, required: true }), 'Ít nhất 10 ký tự. Người dùng nên đổi mật khẩu sau lần đăng nhập đầu.'),
      field('national_id', 'Số CCCD (không bắt buộc)', input({ inputmode: 'numeric', maxlength: 12 }), 'Nếu nhập, người này tự động không được dự thi.'),
      h('p', { class: 'actions' }, button));
    linkRoleAndUnit(form);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const ok = check(form, {
        username: () => (/^[a-z0-9][a-z0-9._-]{2,39}$/.test(value(form, 'username')) ? '' : 'Tên đăng nhập 3–40 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới.'),
        full_name: () => (value(form, 'full_name') ? '' : 'Hãy nhập họ và tên.'),
        ...roleChecks(form),
        password: () => passwordProblem(form.elements.password.value),
        national_id: () => (value(form, 'national_id') ? cccdProblem(value(form, 'national_id')) : ''),
      });
      if (!ok) return;
      const role = form.elements.role.value;
      busy(button, 'Đang tạo…', async () => {
        try {
          const created = (await call('POST', 'admin/organizers', {
            username: value(form, 'username'), full_name: value(form, 'full_name'), role,
            unit_id: role === 'unit_organizer' ? value(form, 'unit_id') : undefined,
            password: form.elements.password.value,
            national_id: value(form, 'national_id') || undefined,
          })).organizer;
          flash = { kind: 'notice', text: `Đã tạo tài khoản ${created.username} (${ROLE_NAMES[created.role]}${created.unit_id ? `, ${unitName(created.unit_id)}` : ''}).` };
          render();
        } catch (e) { showApiError(form, e); }
      });
    });

    async function patchAccount(o, body, text) {
      const updated = (await call('PATCH', `admin/organizers/${enc(o.username)}`, body)).organizer;
      flash = { kind: 'notice', text: text(updated) };
      render();
    }
    async function changeRole(o) {
      const f = h('form', { novalidate: true },
        h('p', null, `${o.full_name} (${o.username})`),
        field('role', 'Vai trò', roleSelect(o.role)),
        field('unit_id', 'Phường, xã', unitSelect(o.unit_id)),
        h('p', { class: 'hint' }, 'Đổi vai trò làm các phiên đăng nhập của tài khoản này kết thúc.'));
      linkRoleAndUnit(f);
      await dialog({
        title: 'Đổi vai trò, đơn vị', form: f,
        buttons: [{
          label: 'Lưu', primary: true, submit: true, busyLabel: 'Đang lưu…',
          work: async () => {
            if (!check(f, roleChecks(f))) return false;
            const role = f.elements.role.value;
            await patchAccount(o, { role, unit_id: role === 'unit_organizer' ? value(f, 'unit_id') : null },
              (u) => `Đã đổi ${u.username} thành ${ROLE_NAMES[u.role]}${u.unit_id ? ` (${unitName(u.unit_id)})` : ''}.`);
            return true;
          },
        }, { label: 'Huỷ', value: null }],
      });
    }
    async function resetPassword(o) {
      const f = h('form', { novalidate: true },
        h('p', null, `${o.full_name} (${o.username})`),
        field('password', 'Mật khẩu mới', input({ type: 'password', autocomplete: 'new-password', maxlength: 200, required: true }), 'Ít nhất 10 ký tự. Các phiên đăng nhập của tài khoản này kết thúc; tài khoản bị khoá do sai mật khẩu được mở.'));
      await dialog({
        title: 'Đặt lại mật khẩu', form: f,
        buttons: [{
          label: 'Đặt lại mật khẩu', primary: true, submit: true, busyLabel: 'Đang lưu…',
          work: async () => {
            if (!check(f, { password: () => passwordProblem(f.elements.password.value) })) return false;
            await patchAccount(o, { password: f.elements.password.value }, (u) => `Đã đặt lại mật khẩu của ${u.username}.`);
            return true;
          },
        }, { label: 'Huỷ', value: null }],
      });
    }
    async function toggleDisabled(o, btn) {
      const disabling = !o.disabled;
      const ok = await confirmDialog(disabling ? `Khoá tài khoản ${o.username}?` : `Mở khoá tài khoản ${o.username}?`,
        h('p', null, disabling ? `${o.full_name} sẽ không đăng nhập được nữa; các phiên đang mở kết thúc ngay.` : `${o.full_name} sẽ đăng nhập lại được.`),
        disabling ? 'Khoá tài khoản' : 'Mở khoá');
      if (!ok) return;
      await busy(btn, 'Đang lưu…', async () => {
        try {
          await patchAccount(o, { disabled: disabling }, (u) => (u.disabled ? `Đã khoá tài khoản ${u.username}.` : `Đã mở khoá tài khoản ${u.username}.`));
        } catch (e) { if (e.code !== 'UNAUTHORIZED') result.fail(e.message); }
      });
    }
    // A refusal inside a dialog stays there (dialog() shows it); others go to the outcome line.
    const guard = (fn) => (...args) => fn(...args).catch((e) => { if (e.code !== 'UNAUTHORIZED') result.fail(e.message); });

    const self = me.organizer.username;
    const cards = data.organizers.map((o) => h('li', { class: 'card account' },
      h('div', { class: 'round-head' },
        h('h3', null, o.full_name),
        h('span', { class: `badge ${o.disabled ? 'badge-disabled' : 'badge-open'}` }, o.disabled ? 'Đã khoá' : 'Đang dùng')),
      h('dl', { class: 'facts' },
        h('dt', null, 'Tên đăng nhập'), h('dd', null, o.username, o.username === self ? ' (bạn)' : ''),
        h('dt', null, 'Vai trò'), h('dd', null, ROLE_NAMES[o.role] || o.role),
        o.unit_id ? [h('dt', null, 'Phường, xã'), h('dd', null, unitName(o.unit_id))] : null,
        h('dt', null, 'CCCD'), h('dd', null, o.national_id_masked ? `${o.national_id_masked} (không được dự thi)` : 'Không gắn'),
        h('dt', null, 'Tạo'), h('dd', null, `${o.created_by || '—'}, ${fmtShort(o.created_at)}`),
        h('dt', null, 'Sửa gần nhất'), h('dd', null, `${o.updated_by || '—'}, ${fmtShort(o.updated_at)}`)),
      h('p', { class: 'actions' },
        h('button', { type: 'button', class: 'btn small', 'aria-label': `Đổi vai trò, đơn vị của ${o.username}`, onclick: guard(() => changeRole(o)) }, 'Đổi vai trò, đơn vị'),
        h('button', { type: 'button', class: 'btn small', 'aria-label': `Đặt lại mật khẩu của ${o.username}`, onclick: guard(() => resetPassword(o)) }, 'Đặt lại mật khẩu'),
        o.username === self ? null : h('button', {
          type: 'button', class: 'btn small', 'aria-label': `${o.disabled ? 'Mở khoá' : 'Khoá'} tài khoản ${o.username}`,
          onclick: (ev) => toggleDisabled(o, ev.currentTarget),
        }, o.disabled ? 'Mở khoá' : 'Khoá tài khoản'))));
    show('Quản lý tài khoản',
      h('h1', null, 'Quản lý tài khoản'),
      result,
      h('section', { 'aria-labelledby': 'h-acc-list' },
        h('h2', { id: 'h-acc-list' }, `Tài khoản (${data.organizers.length})`),
        h('ul', { class: 'accounts' }, cards)),
      h('section', { class: 'card', 'aria-labelledby': 'h-acc-new' }, h('h2', { id: 'h-acc-new' }, 'Tạo tài khoản'), form));
  }

  // ---------- audit log ----------
  const ACTION_NAMES = {
    'round.update_times': 'Đổi thời gian tuần thi',
    'round.reopen_empty': 'Đặt lại giờ tuần thi chưa có bài',
    'round.close': 'Đóng và xếp hạng tuần thi',
    'round.publish': 'Công bố kết quả',
    'round.disqualify': 'Loại khỏi xét giải',
    'round.undo_disqualification': 'Huỷ loại khỏi xét giải',
    'exclusions.add': 'Thêm người không được dự thi',
    'exclusions.remove': 'Xoá khỏi danh sách không được dự thi',
    'exclusions.set': 'Thay cả danh sách không được dự thi',
    'participant.release': 'Trả lại CCCD cho người chủ thẻ',
    'participant.signin_locked': 'Khoá đăng nhập người dự thi (sai nhiều lần)',
    'organizer.create': 'Tạo tài khoản',
    'organizer.update': 'Sửa tài khoản',
    'organizer.login': 'Đăng nhập',
    'organizer.login_failed': 'Đăng nhập sai',
    'organizer.lock': 'Khoá đăng nhập (sai mật khẩu nhiều lần)',
    'organizer.login_locked': 'Đăng nhập khi đang bị khoá',
    'organizer.logout': 'Đăng xuất',
    'organizer.password_changed': 'Đổi mật khẩu',
    'certificates.print': 'Tải giấy chứng nhận để in', // certificates (issue 11)
  };
  const ACTION_GROUPS = [['round.', 'Tuần thi (mọi thao tác)'], ['organizer.', 'Tài khoản và đăng nhập'], ['exclusions.', 'Danh sách không được dự thi'], ['participant.', 'Người dự thi'], ['certificates.', 'Giấy chứng nhận']];

  function auditDetails(event) {
    const d = event.details || {};
    const lines = [];
    if (d.before && d.after) {
      TIME_FIELDS.forEach(([key, label]) => {
        if (d.before[key] !== d.after[key]) lines.push(`${label}: ${fmtDateTime(d.before[key])} → ${fmtDateTime(d.after[key])}`);
      });
    }
    const described = {
      role: (v) => `Vai trò: ${ROLE_NAMES[v] || v}`,
      unit_id: (v) => (v ? `Phường, xã: ${unitName(v)}` : null),
      disabled: (v) => (v ? 'Khoá tài khoản' : 'Mở khoá tài khoản'),
      password_reset: (v) => (v ? 'Đặt lại mật khẩu' : null),
      reason: (v) => `Lý do: ${v}`,
      national_id_masked: (v) => `CCCD: ${v}`,
      actual_prediction_value: (v) => `Số lượt dự thi thực tế: ${fmtNumber(v)}`,
      sha256: (v) => `Mã kiểm tra: ${String(v).slice(0, 16)}…`,
      minutes: (v) => `Khoá ${v} phút`,
      count: (v) => `Số người trong danh sách: ${fmtNumber(v)}`,
      added: (v) => (v.length ? `Thêm: ${v.join(', ')}` : null),
      removed: (v) => (v.length ? `Xoá: ${v.join(', ')}` : null),
      generation: () => null,
      code: (v) => `Mã xác minh: ${v}`, // certificates (issue 11)
      certificates: (v) => `Số giấy: ${fmtNumber(v)}`,
    };
    Object.entries(d).forEach(([key, v]) => {
      if (key === 'before' || key === 'after' || v == null) return;
      const line = described[key] ? described[key](v) : `${key}: ${typeof v === 'object' ? JSON.stringify(v) : v}`;
      if (line) lines.push(line);
    });
    return lines;
  }

  const auditFilter = { actor: '', action: '' };

  async function viewAudit({ isCurrent }) {
    const query = (before) => {
      const params = new URLSearchParams();
      if (auditFilter.actor) params.set('actor', auditFilter.actor);
      if (auditFilter.action) params.set('action', auditFilter.action);
      if (before) params.set('before', before);
      const text = params.toString();
      return `admin/audit${text ? `?${text}` : ''}`;
    };
    const first = await call('GET', query(null));
    if (!isCurrent()) return;
    const actorInput = input({ value: auditFilter.actor, autocapitalize: 'none', spellcheck: 'false', maxlength: 40 });
    const actionSelect = h('select', null,
      h('option', { value: '' }, 'Mọi thao tác'),
      h('optgroup', { label: 'Nhóm thao tác' }, ACTION_GROUPS.map(([v, label]) => h('option', { value: v, selected: v === auditFilter.action }, label))),
      h('optgroup', { label: 'Từng thao tác' }, Object.entries(ACTION_NAMES).map(([v, label]) => h('option', { value: v, selected: v === auditFilter.action }, label))));
    const form = h('form', { class: 'filters', novalidate: true, role: 'search', 'aria-label': 'Lọc nhật ký' },
      field('actor', 'Tài khoản thực hiện', actorInput, 'Tên đăng nhập, ví dụ bantochuc; “system” là hệ thống.'),
      field('action', 'Thao tác', actionSelect),
      h('p', { class: 'actions' },
        h('button', { type: 'submit', class: 'btn primary' }, 'Lọc'),
        h('button', { type: 'button', class: 'btn', onclick: () => { auditFilter.actor = ''; auditFilter.action = ''; render(); } }, 'Bỏ lọc')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      auditFilter.actor = value(form, 'actor').toLowerCase();
      auditFilter.action = form.elements.action.value;
      render();
    });
    const list = h('ol', { class: 'audit-list' });
    const count = h('p', { class: 'hint', role: 'status' });
    const more = h('button', { type: 'button', class: 'btn' }, 'Xem thêm');
    let next = first.next;
    let shown = 0;
    const append = (events) => {
      list.append(...events.map((ev) => {
        const details = auditDetails(ev);
        return h('li', { class: 'audit-item' },
          h('p', { class: 'audit-head' }, h('strong', null, ACTION_NAMES[ev.action] || ev.action), ' ', h('code', { class: 'audit-code' }, ev.action)),
          h('p', null, h('time', { datetime: ev.at }, fmtDateTime(ev.at, true)), ' · ', h('span', { class: 'audit-actor' }, ev.actor),
            ev.role ? ` (${ROLE_NAMES[ev.role] || ev.role})` : '',
            ev.target ? [' · đối tượng: ', h('span', { class: 'audit-target' }, ev.target), roundName(ev.target) !== ev.target ? ` (${roundName(ev.target)})` : ''] : null),
          details.length ? h('ul', { class: 'audit-details' }, details.map((line) => h('li', null, line))) : null);
      }));
      shown += events.length;
      count.textContent = shown ? `Đang hiện ${fmtNumber(shown)} sự kiện, mới nhất trước.` : 'Không có sự kiện nào.';
      more.hidden = !next;
    };
    more.addEventListener('click', () => busy(more, 'Đang tải…', async () => {
      try {
        const page = await call('GET', query(next));
        next = page.next;
        const firstNew = list.children.length;
        append(page.events);
        const item = list.children[firstNew];
        if (item) { item.setAttribute('tabindex', '-1'); item.focus(); }
      } catch (e) { if (e.code !== 'UNAUTHORIZED') count.textContent = e.message; }
    }));
    append(first.events);
    const filtered = auditFilter.actor || auditFilter.action;
    show('Nhật ký thao tác',
      h('h1', null, 'Nhật ký thao tác'),
      h('p', null, 'Mọi thao tác của Ban Tổ chức và của hệ thống, mới nhất trước; mỗi lần 50 sự kiện.'),
      h('section', { class: 'card', 'aria-labelledby': 'h-audit-filter' }, h('h2', { id: 'h-audit-filter' }, 'Lọc'), form),
      filtered ? h('p', null, `Đang lọc: ${[auditFilter.actor && `tài khoản “${auditFilter.actor}”`, auditFilter.action && `thao tác “${(ACTION_GROUPS.find(([v]) => v === auditFilter.action) || [])[1] || ACTION_NAMES[auditFilter.action] || auditFilter.action}”`].filter(Boolean).join(', ')}.`) : null,
      count, list, h('p', { class: 'actions' }, more));
  }

  // ---------- own account ----------
  async function viewMe({ isCurrent }) {
    if (!isCurrent()) return;
    const o = me.organizer;
    const button = h('button', { type: 'submit', class: 'btn primary' }, 'Đổi mật khẩu');
    const form = h('form', { class: 'form', novalidate: true },
      formAlertBox(),
      h('input', { type: 'text', name: 'username', autocomplete: 'username', value: o.username, hidden: true, 'aria-hidden': 'true', tabindex: '-1' }),
      field('current_password', 'Mật khẩu hiện tại', input({ type: 'password', autocomplete: 'current-password', required: true, maxlength: 200 })),
      field('new_password', 'Mật khẩu mới', input({ type: 'password', autocomplete: 'new-password', required: true, maxlength: 200 }), 'Ít nhất 10 ký tự.'),
      field('repeat_password', 'Nhập lại mật khẩu mới', input({ type: 'password', autocomplete: 'new-password', required: true, maxlength: 200 })),
      h('p', { class: 'actions' }, button));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const pw = (name) => form.elements[name].value;
      const ok = check(form, {
        current_password: () => (pw('current_password') ? '' : 'Hãy nhập mật khẩu hiện tại.'),
        new_password: () => passwordProblem(pw('new_password')),
        repeat_password: () => (pw('repeat_password') === pw('new_password') ? '' : 'Hai lần nhập mật khẩu mới chưa giống nhau.'),
      });
      if (!ok) return;
      busy(button, 'Đang đổi…', async () => {
        try {
          const data = await call('POST', 'admin/me/password', { current_password: pw('current_password'), new_password: pw('new_password') });
          session.save({ ...session.data, token: data.token, expires_at: data.expires_at });
          flash = { kind: 'notice', text: 'Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản này đã kết thúc.' };
          render();
        } catch (e) {
          form.elements.current_password.value = '';
          showApiError(form, e);
        }
      });
    });
    show('Cá nhân',
      h('h1', null, `Xin chào, ${o.full_name}`),
      excludedNote(),
      h('section', { class: 'card', 'aria-labelledby': 'h-me' },
        h('h2', { id: 'h-me' }, 'Tài khoản của bạn'),
        h('dl', { class: 'facts' },
          h('dt', null, 'Tên đăng nhập'), h('dd', null, o.username),
          h('dt', null, 'Vai trò'), h('dd', null, ROLE_NAMES[o.role] || o.role),
          o.unit_id ? [h('dt', null, 'Phường, xã'), h('dd', null, unitName(o.unit_id))] : null,
          h('dt', null, 'CCCD'), h('dd', null, o.national_id_masked || 'Không gắn'),
          h('dt', null, 'Phiên hết hạn'), h('dd', null, fmtDateTime(session.data.expires_at))),
        h('h3', null, 'Bạn được phép'),
        h('ul', { class: 'rules' }, [...Object.keys(PERMISSION_NAMES).filter(can), ...me.permissions.filter((p) => !PERMISSION_NAMES[p])]
          .map((p) => h('li', null, PERMISSION_NAMES[p] || p))),
        h('p', { class: 'actions' }, h('button', { type: 'button', class: 'btn', onclick: logout }, 'Đăng xuất'))),
      h('section', { class: 'card', 'aria-labelledby': 'h-password' }, h('h2', { id: 'h-password' }, 'Đổi mật khẩu'), form));
  }

  // ---------- the screens, in navigation order ----------
  defineScreen({ path: 'tong-quan', nav: 'Tổng quan', title: 'Tổng quan', permissions: ['stats.read'], view: viewDashboard });
  defineScreen({ path: 'tuan-thi', nav: 'Tuần thi', title: 'Tuần thi', permissions: ['rounds.update', 'rounds.close', 'rounds.publish', 'ranking.read'], view: viewRounds });
  defineScreen({ path: 'khong-du-thi', nav: 'Không được dự thi', title: 'Không được dự thi', permissions: ['exclusions.manage'], view: viewExclusions });
  defineScreen({ path: 'nguoi-du-thi', nav: 'Người dự thi', title: 'Người dự thi', permissions: ['participants.release'], view: viewParticipants });
  defineScreen({ path: 'tai-khoan', nav: 'Quản lý tài khoản', title: 'Quản lý tài khoản', permissions: ['accounts.manage'], view: viewAccounts });
  defineScreen({ path: 'nhat-ky', nav: 'Nhật ký', title: 'Nhật ký thao tác', permissions: ['audit.read'], view: viewAudit });

  // Screens in their own files (console-*.js, loaded after this one) add themselves through this
  // toolkit; "Cá nhân" stays the last entry of the navigation.
  window.scConsole = {
    defineScreen, h, $, enc, call, api, can, download, downloadButton, upload, show, errorBox, go, table, dialog, field,
    check, clearErrors, focusField, formAlert, showApiError, busy, outcome, loadContest, unitName, unitShort,
    roundName, loadCharts, fmtDateTime, fmtShort, fmtNumber, fmtDecimal, fmtDuration, MSG,
    me: () => me,
  };

  // ---------- start ----------
  const skip = $('.skip-link');
  if (skip) skip.addEventListener('click', (e) => { e.preventDefault(); main.focus(); });
  // Signing out, or in as someone else, in another tab of the browser.
  window.addEventListener('storage', (e) => {
    if (e.key !== SESSION_KEY) return;
    const before = session.data && session.data.token;
    session.load();
    const after = session.data && session.data.token;
    if (before === after) return;
    me = null;
    if (after) { render(); return; }
    flash = { kind: 'notice', text: 'Bạn đã đăng xuất ở một thẻ khác.' };
    go('dang-nhap', { replace: true });
  });
  window.addEventListener('hashchange', () => { if (location.hash === '' || location.hash.startsWith('#/')) render(); });
  session.load();
  // Deferred scripts run in order before DOMContentLoaded: by then every console-*.js has defined its screens.
  document.addEventListener('DOMContentLoaded', () => {
    defineScreen({ path: 'ca-nhan', nav: 'Cá nhân', title: 'Cá nhân', view: viewMe });
    render(true);
  });
})();
