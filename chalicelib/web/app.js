/* Trang dự thi: landing, đăng ký / đăng nhập, làm bài (tự lưu, tiếp tục sau khi tải lại),
   lịch sử, kết quả, chia sẻ. Vanilla JS, no dependencies; every URL is relative to the page
   so it works under any API Gateway stage path. */
(() => {
  'use strict';

  // ---------- small helpers (common.js) ----------
  const {
    $, enc, sleep, pad, h, fmtDateTime, fmtShort, fmtDuration, fmtNumber, fmtDecimal, createApi, setFieldError,
  } = window.scCommon;

  const store = {
    get(key) { try { return JSON.parse(localStorage.getItem(`sc.${key}`)); } catch (e) { return null; } },
    set(key, value) { try { localStorage.setItem(`sc.${key}`, JSON.stringify(value)); } catch (e) { /* private mode */ } },
    del(key) { try { localStorage.removeItem(`sc.${key}`); } catch (e) { /* private mode */ } },
    clear() {
      try { Object.keys(localStorage).filter((k) => k.startsWith('sc.')).forEach((k) => localStorage.removeItem(k)); } catch (e) { /* */ }
    },
  };

  function fmtCountdown(ms) {
    let s = Math.max(0, Math.ceil(ms / 1000));
    const days = Math.floor(s / 86400); s %= 86400;
    const clock = `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
    return days ? `${days} ngày ${clock}` : clock;
  }
  const fmtMoney = (n, currency) => `${fmtNumber(n)} ${currency === 'VND' || !currency ? 'đồng' : currency}`;

  // ---------- server clock ----------
  // offset = server time - phone time, from the request whose answer pins the server time best.
  const clock = {
    offset: 0,
    error: Infinity,
    now() { return Date.now() + this.offset; },
    learn(serverMs, sentAt, receivedAt, precision) {
      if (!Number.isFinite(serverMs)) return;
      const error = (receivedAt - sentAt) / 2 + precision;
      if (error <= this.error) {
        this.offset = serverMs - (sentAt + receivedAt) / 2;
        this.error = error;
      }
    },
  };

  // ---------- API ----------
  const MSG = {
    ...window.scCommon.MESSAGES,
    INVALID_NATIONAL_ID: 'Số CCCD không hợp lệ.',
    INVALID_PHONE: 'Số điện thoại không đúng.',
    UNKNOWN_UNIT: 'Hãy chọn phường, xã trong danh sách.',
    CONSENT_REQUIRED: 'Bạn cần đồng ý để dự thi.',
    ALREADY_REGISTERED: 'Số CCCD này đã đăng ký. Hãy đăng nhập bằng CCCD và số điện thoại.',
    NOT_ELIGIBLE: 'Bạn thuộc đối tượng không được dự thi.',
    INVALID_CREDENTIALS: 'Số CCCD hoặc số điện thoại không đúng.',
    UNAUTHORIZED: 'Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại.',
    ROUND_NOT_FOUND: 'Không tìm thấy tuần thi.',
    ROUND_NOT_OPEN: 'Tuần thi này hiện không mở.',
    ATTEMPT_LIMIT_REACHED: 'Bạn đã dùng hết số lượt thi của tuần này.',
    ATTEMPT_CLOSED: 'Lượt thi đã hết giờ. Các câu trả lời đã lưu vẫn được tính khi tuần thi kết thúc.',
    RESULTS_NOT_PUBLISHED: 'Kết quả chưa được công bố.',
    // The server sends its own text with each code; these stand in if a reply has none.
    CHALLENGE_REQUIRED: 'Cần hoàn tất bước xác minh trước khi đăng ký. Hãy thử lại.',
  };

  // The participant's token goes with `{auth: true}` requests; every reply's Date header
  // (whole seconds) teaches the server clock; a 401 to a signed-in request ends the session.
  const api = createApi({
    messages: MSG,
    token: () => session.token,
    onResponse: (res, sentAt, receivedAt) => {
      const date = res.headers.get('Date');
      if (date) clock.learn(Date.parse(date) + 500, sentAt, receivedAt, 500); // whole seconds
    },
    onUnauthorized: () => sessionExpired(),
  });

  // ---------- session ----------
  const session = {
    token: store.get('token'),
    participantId: store.get('participant'),
    start(data) {
      this.token = data.token; this.participantId = data.participant_id;
      store.set('token', data.token); store.set('participant', data.participant_id);
      updateNav();
    },
    end() {
      this.token = null; this.participantId = null;
      store.clear(); // a shared phone keeps nothing of the previous participant
      updateNav();
    },
  };

  let flash = null; // a notice shown once by the next screen
  let pendingRoute = null; // where to go after signing in

  function sessionExpired() {
    if (!session.token) return;
    session.end();
    pendingRoute = currentRoute();
    flash = MSG.UNAUTHORIZED;
    go('dang-nhap');
  }

  // ---------- contest data ----------
  let contestCache = null;
  let contestLoadedAt = 0;
  async function loadContest(force) {
    if (contestCache && !force && Date.now() - contestLoadedAt < 60000) return contestCache;
    const res = await api('GET', 'contest');
    if (res.data.server_time) clock.learn(Date.parse(res.data.server_time), res.sentAt, res.receivedAt, 0);
    contestCache = res.data;
    contestLoadedAt = Date.now();
    return contestCache;
  }
  const unitName = (contest, id) => (contest.units.find((u) => u.id === id) || { name: id || '' }).name;
  const roundName = (contest, id) => (contest.rounds.find((r) => r.id === id) || { name: id }).name;

  const STATUS = {
    scheduled: 'Sắp mở', open: 'Đang mở', closed: 'Đã đóng, đang chấm', ranked: 'Đang chờ công bố', published: 'Đã công bố kết quả',
  };

  // ---------- routing ----------
  const main = $('#main');
  let cleanups = [];
  let tickers = [];
  let renderId = 0;

  const ROUTES = [
    [/^$/, viewHome],
    [/^dang-ky$/, viewRegister],
    [/^dang-nhap$/, viewSignIn],
    [/^thi\/([\w-]+)$/, viewAttempt],
    [/^luot\/([\w.-]+)$/, viewReceipt],
    [/^ca-nhan$/, viewMe],
    [/^ket-qua$/, viewResultsIndex],
    [/^ket-qua\/([\w-]+)$/, viewResults],
  ];

  function currentRoute() { return location.hash.startsWith('#/') ? location.hash.slice(2) : ''; }
  function go(route, opts = {}) {
    const hash = `#/${route}`;
    if (location.hash === hash) { render(); return; }
    if (opts.replace) { history.replaceState(null, '', hash); render(); } else location.hash = hash;
  }

  async function render(firstLoad) {
    cleanups.forEach((fn) => { try { fn(); } catch (e) { /* */ } });
    cleanups = []; tickers = [];
    const id = ++renderId;
    const route = currentRoute();
    const [, view, match] = ROUTES.map(([re, fn]) => [re, fn, route.match(re)]).find((r) => r[2]) || [null, viewNotFound, []];
    main.replaceChildren(h('p', { class: 'loading', role: 'status' }, 'Đang tải…'));
    markNav(route);
    try {
      await view(...match.slice(1), () => id === renderId);
    } catch (e) {
      if (id !== renderId || e.code === 'UNAUTHORIZED') return;
      main.replaceChildren(errorBox(e, () => render()));
    }
    if (id === renderId && !firstLoad) {
      const heading = $('h1', main);
      if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus({ preventScroll: true }); }
      window.scrollTo(0, 0);
    }
  }

  function screen(title, ...children) {
    document.title = `${title} – Thi tìm hiểu CCHC Sông Công`;
    const notice = flash ? h('p', { class: 'notice', role: 'status' }, flash) : null;
    flash = null;
    main.replaceChildren(...[notice, ...children].flat(Infinity).filter((c) => c != null && c !== false));
  }

  function errorBox(e, retry) {
    return h('div', { class: 'alert', role: 'alert' },
      h('p', null, e.message || MSG.GENERIC),
      retry ? h('button', { type: 'button', class: 'btn', onclick: retry }, 'Thử lại') : null);
  }

  function markNav(route) {
    document.querySelectorAll('.nav-list a').forEach((a) => {
      const target = a.getAttribute('href').slice(2);
      const active = target === route || (target && route.startsWith(`${target}/`));
      if (active) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
  }

  function updateNav() {
    const li = $('#nav-account');
    if (!li) return;
    li.replaceChildren(session.token ? h('a', { href: '#/ca-nhan' }, 'Cá nhân') : h('a', { href: '#/dang-nhap' }, 'Đăng nhập'));
    markNav(currentRoute());
  }

  setInterval(() => tickers.forEach((fn) => fn()), 1000);

  function countdown(targetIso, onZero) {
    const el = h('span', { class: 'countdown' });
    const target = Date.parse(targetIso);
    let fired = target <= clock.now(); // only a zero crossed while watching triggers a refresh
    const tick = () => {
      const left = target - clock.now();
      el.textContent = fmtCountdown(left);
      if (left <= 0 && !fired) { fired = true; if (onZero) setTimeout(onZero, 1500); }
    };
    tick(); tickers.push(tick);
    return el;
  }

  // ---------- landing ----------
  async function viewHome(isCurrent) {
    const contest = await loadContest(true);
    if (!isCurrent()) return;
    const refresh = () => { if (isCurrent()) render(); };
    const rules = contest.rules;
    const open = contest.rounds.find((r) => r.status === 'open');
    const next = contest.rounds.find((r) => r.status === 'scheduled');
    const start = (r) => (session.token ? `#/thi/${r.id}` : '#/dang-ky');
    const startLabel = (r) => (session.token && store.get(`open.${r.id}`) ? 'Tiếp tục bài đang làm' : null);

    let hero;
    if (open) {
      hero = [h('p', { class: 'hero-status' }, `${open.name} đang mở. Còn `, countdown(open.closes_at, refresh), ' để dự thi.'),
        h('p', { class: 'actions' }, h('a', { class: 'btn primary big', href: start(open), onclick: () => { pendingRoute = `thi/${open.id}`; } }, startLabel(open) || 'Vào thi ngay'),
          session.token ? null : h('a', { class: 'btn', href: '#/dang-nhap', onclick: () => { pendingRoute = `thi/${open.id}`; } }, 'Đã đăng ký? Đăng nhập'))];
    } else if (next) {
      hero = [h('p', { class: 'hero-status' }, `${next.name} mở sau `, countdown(next.opens_at, refresh), ` (lúc ${fmtDateTime(next.opens_at)}).`),
        session.token ? null : h('p', { class: 'actions' }, h('a', { class: 'btn primary big', href: '#/dang-ky' }, 'Đăng ký dự thi'))];
    } else {
      hero = [h('p', { class: 'hero-status' }, 'Các tuần thi đã kết thúc. Cảm ơn bạn đã quan tâm!'),
        h('p', { class: 'actions' }, h('a', { class: 'btn primary', href: '#/ket-qua' }, 'Xem kết quả'))];
    }

    const roundItems = contest.rounds.map((r) => {
      let when;
      if (r.status === 'scheduled') when = h('p', null, 'Mở sau ', countdown(r.opens_at, refresh));
      else if (r.status === 'open') when = h('p', null, 'Đóng sau ', countdown(r.closes_at, refresh));
      else if (r.status === 'published') when = h('p', null, h('a', { href: `#/ket-qua/${r.id}` }, `Xem kết quả ${r.name}`));
      else when = h('p', null, `Kết quả công bố lúc ${fmtDateTime(r.publish_at)}`);
      return h('li', { class: `round round-${r.status}` },
        h('div', { class: 'round-head' }, h('h3', null, r.name), h('span', { class: `badge badge-${r.status}` }, STATUS[r.status] || r.status)),
        h('p', { class: 'muted' }, `Từ ${fmtDateTime(r.opens_at)} đến ${fmtDateTime(r.closes_at)}`),
        when,
        r.status === 'open' ? h('p', null, h('a', { class: 'btn primary', href: start(r), onclick: () => { pendingRoute = `thi/${r.id}`; } }, startLabel(r) || `Vào thi ${r.name}`)) : null);
    });

    const minutes = Math.round(rules.time_limit_seconds / 60);
    const collectiveRule = (prizes) => {
      const names = {
        participations: 'tổng số lượt dự thi',
        participants: 'số người dự thi',
        average_best_score: 'điểm trung bình (lượt tốt nhất của mỗi người mỗi tuần)',
        prizes_won: 'số giải cá nhân đạt được',
      };
      const rate = prizes.collective_per_thousand_inhabitants ? ' (các con số tính trên 1.000 dân)' : '';
      const order = (prizes.collective_criteria || []).map((c) => names[c] || c).join('; rồi ');
      return `Xếp hạng tập thể lần lượt theo ${order}${rate}, cộng dồn các tuần. Bài của người không được dự thi không được tính.`;
    };
    const prizeList = (list) => h('ul', { class: 'prizes' }, list.map((p) => h('li', null,
      h('strong', null, p.name), `: ${p.count} giải, mỗi giải ${fmtMoney(p.amount, contest.prizes.currency)}`)));

    screen('Trang chủ',
      h('section', { class: 'hero', 'aria-labelledby': 'contest-name' },
        h('h1', { id: 'contest-name' }, contest.name),
        contest.organizer ? h('p', { class: 'muted' }, `Đơn vị tổ chức: ${contest.organizer}`) : null, ...hero),
      h('section', { class: 'card', 'aria-labelledby': 'h-rounds' },
        h('h2', { id: 'h-rounds' }, 'Các tuần thi'),
        h('ul', { class: 'rounds' }, roundItems)),
      h('section', { class: 'card', 'aria-labelledby': 'h-rules' },
        h('h2', { id: 'h-rules' }, 'Thể lệ ngắn gọn'),
        h('ul', { class: 'rules' },
          h('li', null, 'Ai đang sống, học tập, làm việc tại thành phố Sông Công đều được dự thi. Thành viên Ban Tổ chức, Tổ biên soạn câu hỏi và bộ phận kỹ thuật không dự thi.'),
          h('li', null, `Mỗi lượt thi có ${rules.questions_per_attempt} câu hỏi trắc nghiệm; mỗi câu chọn một đáp án.`),
          h('li', null, `Mỗi lượt làm trong ${minutes} phút, tính từ lúc bấm “Bắt đầu làm bài”. Hết giờ, bài được nộp tự động.`),
          h('li', null, `Mỗi tuần bạn được thi tối đa ${rules.max_attempts_per_round} lượt; lượt có kết quả tốt nhất được dùng để xét giải.`),
          h('li', null, 'Câu trả lời được lưu ngay khi bạn chọn. Mất mạng hay lỡ tải lại trang, bạn vẫn làm tiếp được lượt đang dở.'),
          h('li', null, `Cuối bài có câu dự đoán: “${rules.prediction_question}”. Đáp án đúng là tổng số lượt bài đã nộp trong tuần, kể cả bài hệ thống tự nộp khi hết giờ; câu này giúp phân định khi nhiều người có cùng số câu đúng.`),
          h('li', null, 'Xếp giải: mỗi người lấy lượt tốt nhất; nhiều câu đúng hơn xếp trên; bằng nhau thì dự đoán gần đúng hơn xếp trên; vẫn bằng nhau thì ai làm nhanh hơn, rồi ai nộp sớm hơn xếp trên. Mỗi người nhận tối đa một giải mỗi tuần.'),
          h('li', null, disclosureRule(rules)),
          rules.min_seconds_per_question > 0
            ? h('li', null, `Lượt thi trả lời nhanh hơn ${fmtDecimal(rules.min_seconds_per_question)} giây một câu (tính trung bình) vẫn được ghi nhận nhưng không được xét giải.`)
            : null)),
      h('section', { class: 'card', 'aria-labelledby': 'h-prizes' },
        h('h2', { id: 'h-prizes' }, 'Giải thưởng'),
        h('h3', null, 'Giải cá nhân (mỗi tuần)'), prizeList(contest.prizes.individual),
        h('h3', null, 'Giải tập thể (phường, xã; trao khi kết thúc cuộc thi)'), prizeList(contest.prizes.collective),
        h('p', null, collectiveRule(contest.prizes))),
      h('section', { class: 'card', 'aria-labelledby': 'h-docs' },
        h('h2', { id: 'h-docs' }, `Tài liệu tham khảo (${contest.documents.length} văn bản)`),
        h('p', null, 'Câu hỏi được soạn từ các văn bản sau:'),
        h('ol', { class: 'documents' }, contest.documents.map((d) => h('li', null, d.title)))),
      shareCard(contest));
  }

  // ---------- sharing ----------
  function contestUrl() { return `${location.origin}${location.pathname}`; }

  function shareCard(contest) {
    const url = contestUrl();
    const status = h('p', { class: 'share-status', role: 'status' });
    const input = h('input', { id: 'share-url', type: 'url', readonly: true, value: url });
    const copy = async () => {
      try {
        await navigator.clipboard.writeText(url);
      } catch (e) {
        input.select();
        try { if (!document.execCommand('copy')) throw e; } catch (e2) { status.textContent = 'Hãy chọn liên kết ở trên và sao chép.'; return; }
      }
      status.textContent = 'Đã sao chép liên kết.';
    };
    const share = async () => {
      if (navigator.share) {
        try { await navigator.share({ title: contest.name, text: 'Mời bạn tham gia cuộc thi trực tuyến:', url }); return; } catch (e) {
          if (e && e.name === 'AbortError') return;
        }
      }
      copy();
    };
    // Fetched with its own Accept header: API Gateway returns a file as bytes only when the
    // request's first Accept type is the file's, which a browser's navigation never is.
    const posterStatus = h('p', { class: 'hint', role: 'status' });
    const downloadPoster = async (e) => {
      e.preventDefault();
      posterStatus.textContent = '';
      try {
        const res = await fetch(window.scCommon.apiUrl('poster.pdf'), { headers: { Accept: 'application/pdf' } });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const href = URL.createObjectURL(await res.blob());
        const a = h('a', { href, download: 'ap-phich-cuoc-thi.pdf' });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(href), 60000);
      } catch (err) {
        posterStatus.textContent = 'Chưa tải được áp phích. Vui lòng thử lại.';
      }
    };
    // Drawn by the server (segno): the address it encodes is the page's public one.
    const qr = h('img', { src: window.scCommon.apiUrl('qr.svg'), alt: 'Mã QR mở trang cuộc thi', width: 198, height: 198 });
    return h('section', { class: 'card share', 'aria-labelledby': 'h-share' },
      h('h2', { id: 'h-share' }, 'Chia sẻ cuộc thi'),
      h('div', { class: 'share-grid' },
        h('div', null,
          h('label', { for: 'share-url' }, 'Liên kết trang thi'),
          input,
          h('p', { class: 'actions' },
            h('button', { type: 'button', class: 'btn primary', onclick: share }, 'Chia sẻ'),
            h('button', { type: 'button', class: 'btn', onclick: copy }, 'Sao chép liên kết')),
          status,
          h('p', null, h('a', { href: window.scCommon.apiUrl('poster.pdf'), onclick: downloadPoster }, 'Tải áp phích để in và dán bảng tin (PDF, khổ A4)')),
          posterStatus),
        h('figure', { class: 'qr' }, qr, h('figcaption', null, 'Quét mã QR bằng camera điện thoại để mở trang thi.'))));
  }

  // ---------- forms ----------
  const PROVINCES = new Set(('001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 ' +
    '033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 ' +
    '074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096').split(' '));

  function normalizePhone(value) {
    let v = value.replace(/[\s.\-()]/g, '');
    if (v.startsWith('+84')) v = `0${v.slice(3)}`;
    else if (v.startsWith('84') && (v.length === 11 || v.length === 12)) v = `0${v.slice(2)}`;
    return /^0[35789]\d{8}$/.test(v) || /^02\d{9}$/.test(v) ? v : null;
  }

  function checkBirthDate(value) {
    if (!value) return 'Hãy nhập ngày sinh.';
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    const d = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    if (!d || d.getUTCDate() !== +m[3] || d.getUTCMonth() !== +m[2] - 1) return 'Ngày sinh không có thật.';
    if (+m[1] < 1900 || d.getTime() > clock.now()) return 'Ngày sinh phải từ năm 1900 đến hôm nay.';
    return '';
  }

  function checkNationalId(value, birthDate, gender) {
    if (!value) return 'Hãy nhập số CCCD.';
    if (!/^\d{12}$/.test(value)) return `Số CCCD gồm đúng 12 chữ số (bạn đã nhập ${value.replace(/\D/g, '').length} chữ số).`;
    if (!PROVINCES.has(value.slice(0, 3))) return '3 chữ số đầu của CCCD (mã tỉnh nơi đăng ký khai sinh) không đúng.';
    const year = /^\d{4}/.test(birthDate || '') ? +birthDate.slice(0, 4) : null;
    if (year && gender) {
      const expected = (Math.floor(year / 100) - 19) * 2 + (gender === 'female' ? 1 : 0);
      if (+value[3] !== expected) return 'Chữ số thứ 4 của CCCD không khớp với giới tính và năm sinh đã chọn.';
    }
    if (year && value.slice(4, 6) !== pad(year % 100)) return `Chữ số thứ 5 và 6 của CCCD phải là ${pad(year % 100)} (2 số cuối năm sinh).`;
    return '';
  }

  // Builds a labelled field with a hint and an error line tied to it by aria-describedby.
  function field(name, label, control, hint) {
    const hintEl = hint ? h('p', { class: 'hint', id: `${name}-hint` }, hint) : null;
    const errorEl = h('p', { class: 'field-error', id: `${name}-error`, hidden: true });
    const described = [hintEl && hintEl.id, errorEl.id].filter(Boolean).join(' ');
    if (control.tagName === 'FIELDSET') {
      control.setAttribute('aria-describedby', described);
      control.append(hintEl || '', errorEl);
      return h('div', { class: 'field', 'data-field': name }, control);
    }
    control.id = `f-${name}`; control.name = name;
    control.setAttribute('aria-describedby', described);
    return h('div', { class: 'field', 'data-field': name }, h('label', { for: control.id }, label), hintEl, control, errorEl);
  }


  function focusField(form, name) {
    const control = form.querySelector(`[data-field="${name}"] input, [data-field="${name}"] select`);
    if (control) control.focus();
  }

  // Runs checks on blur, then live once a field has shown an error; returns validateAll().
  function wireChecks(form, checks) {
    const shown = new Set();
    const run = (name) => {
      const message = checks[name]();
      setFieldError(form, name, message);
      if (message) shown.add(name); else shown.delete(name);
      return message;
    };
    Object.keys(checks).forEach((name) => {
      const wrap = form.querySelector(`[data-field="${name}"]`);
      wrap.addEventListener('focusout', (e) => {
        const typed = e.target.type !== 'radio' && e.target.type !== 'checkbox' && e.target.value !== '';
        if (typed && !wrap.contains(e.relatedTarget)) run(name);
      });
      wrap.addEventListener('input', () => { if (shown.has(name)) run(name); });
      wrap.addEventListener('change', () => { if (shown.has(name)) run(name); });
    });
    return () => Object.keys(checks).filter((name) => run(name));
  }

  function formAlert(form, message) {
    const box = $('.form-alert', form);
    box.replaceChildren(...[].concat(message || []));
    box.hidden = !message;
    if (message) box.focus();
  }

  const FIELD_OF_CODE = {
    INVALID_NATIONAL_ID: 'national_id', ALREADY_REGISTERED: 'national_id', INVALID_PHONE: 'phone',
    UNKNOWN_UNIT: 'unit_id', CONSENT_REQUIRED: 'consent',
  };

  function showApiError(form, e) {
    if (e.code === 'UNAUTHORIZED') return;
    const name = e.field || FIELD_OF_CODE[e.code];
    if (name && setFieldError(form, name, e.message)) {
      formAlert(form, null);
      if (e.code === 'ALREADY_REGISTERED') {
        $(`[data-field="${name}"] .field-error`, form).append(' ', h('a', { href: '#/dang-nhap' }, 'Đăng nhập'));
      }
      focusField(form, name);
    } else {
      formAlert(form, e.message);
    }
  }

  async function submitting(button, label, work) {
    const original = button.textContent;
    button.disabled = true; button.textContent = label;
    try { await work(); } finally { button.disabled = false; button.textContent = original; }
  }

  function afterSignIn(data) {
    session.start(data);
    const target = pendingRoute || '';
    pendingRoute = null;
    flash = 'Bạn đã đăng nhập.';
    go(target, { replace: true });
  }

  // ---------- registration proof of work (ALTCHA widget) ----------
  // The widget is loaded only for the registration form (first visits stay light). It fetches
  // a challenge from `challenge`, solves it in web workers while the person fills the form,
  // and its payload goes with the registration. Its "external" build keeps the CSP strict:
  // stylesheet and worker are files of ours, no inline style, no blob: worker.
  // What a person can see (the rest, code-challenge texts we never use, stays English).
  const ALTCHA_STRINGS = {
    label: 'Tôi không phải là máy',
    verifying: 'Đang xác minh…',
    verified: 'Đã xác minh',
    error: 'Xác minh không thành công, hãy thử lại',
    expired: 'Đã hết hạn xác minh, hãy thử lại',
    waitAlert: 'Đang xác minh, vui lòng chờ giây lát…',
  };
  const ALTCHA_SCRIPT_WAIT_MS = 20000;
  let altchaLoading = null;

  // Loads the widget once; web.py versions the static/ names below, as in index.html.
  function loadAltcha() {
    if (!altchaLoading) {
      altchaLoading = new Promise((resolve) => {
        document.head.append(h('link', { rel: 'stylesheet', href: 'static/altcha.css' }));
        const script = h('script', {
          type: 'module', src: 'static/altcha.js',
          onload: () => {
            const altcha = window.$altcha;
            altcha.algorithms.set('SHA-256', () => new Worker('static/altcha-worker.js'));
            altcha.i18n.set('vi', { ...altcha.i18n.get('en'), ...ALTCHA_STRINGS });
            resolve(true);
          },
          onerror: () => { script.remove(); altchaLoading = null; resolve(false); },
        });
        document.head.append(script);
      });
    }
    return altchaLoading;
  }

  // The widget element and a function that resolves to its payload once solved (solving
  // now if it has not started; onWait is told when that takes a while), or to null when it
  // cannot be had (the registration is then sent without it and the server decides).
  function altchaWidget() {
    const widget = h('altcha-widget', {
      challenge: 'challenge', name: 'altcha', auto: 'onfocus', language: 'vi',
      configuration: JSON.stringify({ hideFooter: true, hideLogo: true, humanInteractionSignature: false }),
    });
    let payload = null;
    widget.addEventListener('statechange', (e) => { payload = e.detail.state === 'verified' ? e.detail.payload : null; });
    loadAltcha();
    async function solved(onWait) {
      // Loads again if the first load failed (a phone's network); the element then upgrades.
      const loaded = await Promise.race([loadAltcha(), sleep(ALTCHA_SCRIPT_WAIT_MS).then(() => false)]);
      if (!loaded) return null;
      if (typeof widget.getState !== 'function') { // defined, but not yet mounted
        await new Promise((resolve) => { widget.addEventListener('load', resolve, { once: true }); setTimeout(resolve, 2000); });
        if (typeof widget.getState !== 'function') return null;
      }
      const state = widget.getState();
      if (state === 'verified' && payload) return payload;
      onWait();
      return new Promise((resolve) => {
        const done = (e) => {
          const next = e.detail.state;
          if (next === 'verifying') return;
          widget.removeEventListener('statechange', done);
          resolve(next === 'verified' ? e.detail.payload : null);
        };
        widget.addEventListener('statechange', done);
        if (state !== 'verifying') widget.verify();
      });
    }
    // A solution is good for one registration request: after a refused one, solve anew at
    // once if solving worked; if it did not, the next submit (or a tap on the box) retries.
    function renew(sent) {
      payload = null;
      if (typeof widget.reset !== 'function') return;
      widget.reset();
      if (sent) widget.verify();
    }
    return { widget, solved, renew };
  }

  async function viewRegister(isCurrent) {
    const contest = await loadContest();
    if (!isCurrent()) return;
    if (session.token) { go(pendingRoute || '', { replace: true }); return; }
    const kinds = [['phuong', 'Phường'], ['xa', 'Xã']];
    const unitSelect = h('select', { required: true, autocomplete: 'off' },
      h('option', { value: '' }, '— Chọn phường, xã —'),
      kinds.map(([kind, label]) => {
        const units = contest.units.filter((u) => u.kind === kind);
        return units.length ? h('optgroup', { label }, units.map((u) => h('option', { value: u.id }, u.name))) : null;
      }),
      contest.units.filter((u) => !kinds.some(([k]) => k === u.kind)).map((u) => h('option', { value: u.id }, u.name)));
    const gender = h('fieldset', { class: 'radios' },
      h('legend', null, 'Giới tính'),
      h('label', null, h('input', { type: 'radio', name: 'gender', value: 'male', required: true }), ' Nam'),
      h('label', null, h('input', { type: 'radio', name: 'gender', value: 'female' }), ' Nữ'));
    const consent = h('div', { class: 'field check', 'data-field': 'consent' },
      h('label', null, h('input', { type: 'checkbox', name: 'consent', id: 'f-consent', required: true, 'aria-describedby': 'consent-error' }),
        ' Tôi đồng ý để Ban Tổ chức dùng các thông tin trên để tổ chức cuộc thi và trao giải.'),
      h('p', { class: 'field-error', id: 'consent-error', hidden: true }));
    const button = h('button', { type: 'submit', class: 'btn primary big' }, 'Đăng ký dự thi');
    const altcha = altchaWidget();
    const proof = h('div', { class: 'field', 'data-field': 'altcha' },
      altcha.widget,
      h('p', { class: 'field-error', id: 'altcha-error', 'aria-live': 'polite', hidden: true }));
    // rules.phone_verification "at_registration": the phone is proven by a 6-digit code sent
    // by SMS (POST phone-codes, which spends a solution of the widget of its own).
    const phoneCheck = !!(contest.rules && contest.rules.phone_verification === 'at_registration');
    const phoneField = field('phone', 'Số điện thoại', h('input', { type: 'tel', autocomplete: 'tel', required: true }), 'Ví dụ: 0912345678. Dùng để đăng nhập và liên hệ trao giải.');
    const sendButton = phoneCheck ? h('button', { type: 'button', class: 'btn code-send' }, 'Gửi mã xác minh') : null;
    const sentNote = phoneCheck ? h('p', { class: 'code-sent', id: 'phone-code-sent', 'aria-live': 'polite', hidden: true }) : null;
    if (phoneCheck) phoneField.append(h('div', { class: 'code-row' }, sendButton), sentNote);
    const codeField = phoneCheck
      ? field('phone_code', 'Mã xác minh (6 chữ số)', h('input', {
        type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6, pattern: '[0-9]{6}', required: true,
      }), 'Mã trong tin nhắn vừa gửi đến số điện thoại của bạn.')
      : null;
    if (codeField) codeField.hidden = true;
    let sentTo = null; // the phone the last code went to
    let codeRequest = null; // a code request under way (the registration waits for it)
    const form = h('form', { class: 'form card', novalidate: true },
      h('div', { class: 'form-alert alert', role: 'alert', tabindex: '-1', hidden: true }),
      field('full_name', 'Họ và tên', h('input', { type: 'text', autocomplete: 'name', required: true, maxlength: 100 })),
      field('national_id', 'Số căn cước công dân (CCCD)', h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', maxlength: 12, required: true }), 'Gồm 12 chữ số, in trên thẻ CCCD.'),
      field('date_of_birth', 'Ngày sinh', h('input', { type: 'date', min: '1900-01-01', required: true })),
      field('gender', 'Giới tính', gender),
      phoneField,
      codeField,
      field('unit_id', 'Phường, xã dự thi', unitSelect, 'Nơi bạn sinh sống, học tập hoặc làm việc.'),
      field('workplace', 'Nơi công tác, học tập', h('input', { type: 'text', autocomplete: 'organization', required: true, maxlength: 200 }), 'Nếu không đi làm, ghi tổ dân phố hoặc xóm nơi bạn ở.'),
      consent,
      proof,
      h('p', { class: 'actions' }, button));
    const val = (name) => {
      const el = form.elements[name];
      return el instanceof RadioNodeList ? el.value : (el.type === 'checkbox' ? el.checked : el.value.trim());
    };
    const checks = {
      full_name: () => (val('full_name').length < 2 ? 'Hãy nhập họ và tên đầy đủ.' : ''),
      national_id: () => checkNationalId(val('national_id'), val('date_of_birth'), val('gender')),
      date_of_birth: () => checkBirthDate(val('date_of_birth')),
      gender: () => (val('gender') ? '' : 'Hãy chọn giới tính.'),
      phone: () => {
        if (!val('phone')) return 'Hãy nhập số điện thoại.';
        return normalizePhone(val('phone')) ? '' : 'Số điện thoại gồm 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09 (hoặc +84).';
      },
      unit_id: () => (val('unit_id') ? '' : 'Hãy chọn phường, xã dự thi.'),
      workplace: () => (val('workplace').length < 2 ? 'Hãy ghi nơi công tác, học tập hoặc nơi ở.' : ''),
      consent: () => (val('consent') ? '' : 'Bạn cần đánh dấu ô đồng ý để đăng ký.'),
      ...(phoneCheck ? {
        phone_code: () => (codeField.hidden || /^\d{6}$/.test(val('phone_code')) ? '' : 'Mã xác minh gồm đúng 6 chữ số trong tin nhắn.'),
      } : {}),
    };
    const validateAll = wireChecks(form, checks);
    if (phoneCheck) {
      // The code belongs to the number it went to: another number needs a code of its own.
      form.elements.phone.addEventListener('input', () => {
        const same = sentTo !== null && normalizePhone(val('phone')) === sentTo;
        codeField.hidden = !same;
        sentNote.hidden = !same;
      });
      sendButton.addEventListener('click', () => {
        if (codeRequest) return;
        const phoneMessage = checks.phone();
        setFieldError(form, 'phone', phoneMessage);
        if (phoneMessage) { focusField(form, 'phone'); return; }
        formAlert(form, null);
        setFieldError(form, 'altcha', '');
        const phone = normalizePhone(val('phone'));
        codeRequest = submitting(sendButton, 'Đang gửi mã…', async () => {
          const proofPayload = await altcha.solved(() => { sendButton.textContent = 'Đang xác minh…'; });
          sendButton.textContent = 'Đang gửi mã…';
          try {
            const res = await api('POST', 'phone-codes', { phone, altcha: proofPayload || undefined });
            sentTo = phone;
            const left = Date.parse(res.data && res.data.expires_at) - clock.now();
            const minutes = left > 0 ? Math.max(1, Math.round(left / 60000)) : 10;
            sentNote.textContent = `Đã gửi mã đến số ${phone}. Mã có hiệu lực ${minutes} phút.`;
            sentNote.hidden = false;
            codeField.hidden = false;
            setFieldError(form, 'phone_code', '');
            focusField(form, 'phone_code');
          } catch (e) {
            if (e.code === 'CHALLENGE_REQUIRED') {
              formAlert(form, null);
              setFieldError(form, 'altcha', e.message);
            } else showApiError(form, e);
          } finally {
            // The server takes a solution once: the registration needs one of its own.
            altcha.renew(!!proofPayload);
          }
        }).finally(() => {
          codeRequest = null;
          if (sentTo) sendButton.textContent = 'Gửi lại mã';
        });
      });
    }
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const invalid = validateAll();
      if (phoneCheck && !invalid.length && normalizePhone(val('phone')) !== sentTo) {
        setFieldError(form, 'phone', 'Hãy bấm “Gửi mã xác minh” để nhận mã qua tin nhắn, rồi nhập mã đó.');
        formAlert(form, null);
        sendButton.focus();
        return;
      }
      if (invalid.length) {
        formAlert(form, `Còn ${invalid.length} mục chưa đúng. Hãy xem lời nhắc màu đỏ bên dưới từng ô.`);
        focusField(form, invalid[0]);
        return;
      }
      formAlert(form, null);
      setFieldError(form, 'altcha', '');
      submitting(button, 'Đang đăng ký…', async () => {
        if (codeRequest) await codeRequest; // its solution is not this one's
        const proofPayload = await altcha.solved(() => { button.textContent = 'Đang xác minh…'; });
        button.textContent = 'Đang đăng ký…';
        try {
          const res = await api('POST', 'participants', {
            national_id: val('national_id'), full_name: val('full_name'), date_of_birth: val('date_of_birth'),
            gender: val('gender'), phone: normalizePhone(val('phone')), unit_id: val('unit_id'),
            workplace: val('workplace'), consent: val('consent'), altcha: proofPayload || undefined,
            phone_code: phoneCheck ? val('phone_code') : undefined,
          });
          afterSignIn(res.data);
        } catch (e) {
          if (phoneCheck && e.field === 'phone_code') codeField.hidden = false;
          if (e.code === 'CHALLENGE_REQUIRED') {
            formAlert(form, null);
            setFieldError(form, 'altcha', e.message);
          } else showApiError(form, e);
          // Once the focus has moved to the field at fault: the widget (auto "onfocus") would
          // otherwise start a second, competing solve of its own on that focus.
          altcha.renew(!!proofPayload);
        }
      });
    });
    screen('Đăng ký dự thi',
      h('h1', null, 'Đăng ký dự thi'),
      h('p', null, 'Điền thông tin một lần; những lần sau chỉ cần đăng nhập bằng số CCCD và số điện thoại. ',
        h('a', { href: '#/dang-nhap' }, 'Đã đăng ký? Đăng nhập')),
      form);
  }

  async function viewSignIn(isCurrent) {
    if (session.token) { go(pendingRoute || 'ca-nhan', { replace: true }); return; }
    const button = h('button', { type: 'submit', class: 'btn primary big' }, 'Đăng nhập');
    const form = h('form', { class: 'form card', novalidate: true },
      h('div', { class: 'form-alert alert', role: 'alert', tabindex: '-1', hidden: true }),
      field('national_id', 'Số căn cước công dân (CCCD)', h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', maxlength: 12, required: true }), 'Gồm 12 chữ số.'),
      field('phone', 'Số điện thoại đã đăng ký', h('input', { type: 'tel', autocomplete: 'tel', required: true })),
      h('p', { class: 'actions' }, button));
    const val = (name) => form.elements[name].value.trim();
    const validateAll = wireChecks(form, {
      national_id: () => (/^\d{12}$/.test(val('national_id')) ? '' : 'Số CCCD gồm đúng 12 chữ số.'),
      phone: () => (normalizePhone(val('phone')) ? '' : 'Số điện thoại chưa đúng, ví dụ: 0912345678.'),
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const invalid = validateAll();
      if (invalid.length) { focusField(form, invalid[0]); return; }
      submitting(button, 'Đang đăng nhập…', async () => {
        try {
          const res = await api('POST', 'sessions', { national_id: val('national_id'), phone: normalizePhone(val('phone')) });
          afterSignIn(res.data);
        } catch (e) {
          if (e.code === 'INVALID_CREDENTIALS') formAlert(form, e.message); else showApiError(form, e);
        }
      });
    });
    if (!isCurrent()) return;
    screen('Đăng nhập',
      h('h1', null, 'Đăng nhập'),
      h('p', null, 'Dùng số CCCD và số điện thoại bạn đã đăng ký. ', h('a', { href: '#/dang-ky' }, 'Chưa đăng ký? Đăng ký dự thi')),
      form);
  }

  // ---------- attempt ----------
  function requireSignIn(route) {
    if (session.token) return false;
    pendingRoute = route;
    flash = 'Hãy đăng nhập (hoặc đăng ký) để vào thi.';
    go('dang-nhap', { replace: true });
    return true;
  }

  async function viewAttempt(roundId, isCurrent) {
    if (requireSignIn(`thi/${roundId}`)) return;
    const contest = await loadContest();
    if (!isCurrent()) return;
    const round = contest.rounds.find((r) => r.id === roundId);
    if (!round) { screen('Không tìm thấy', h('h1', null, 'Không tìm thấy tuần thi'), h('p', null, h('a', { href: '#/' }, 'Về trang chủ'))); return; }
    const known = store.get(`open.${roundId}`);
    if (known && Date.parse(known.deadline_at) + contest.rules.grace_seconds * 1000 > clock.now()) {
      await startAttempt(contest, round, isCurrent);
      return;
    }
    let used = store.get(`used.${roundId}`);
    let hasOpen = false;
    if (!Number.isInteger(used)) {
      used = null;
      try {
        const me = (await api('GET', 'me', undefined, { auth: true })).data;
        const mine = me.attempts.filter((a) => a.round_id === roundId);
        used = mine.length;
        hasOpen = mine.some((a) => a.status === 'open');
      } catch (e) {
        if (e.code === 'UNAUTHORIZED') return;
      }
    }
    if (!isCurrent()) return;
    const rules = contest.rules;
    const left = used == null ? null : Math.max(0, rules.max_attempts_per_round - used);
    const startButton = h('button', { type: 'button', class: 'btn primary big', onclick: () => startAttempt(contest, round, isCurrent) },
      hasOpen ? 'Tiếp tục lượt đang làm' : 'Bắt đầu làm bài');
    let body;
    if (round.status !== 'open') {
      body = h('div', { class: 'alert' }, round.status === 'scheduled'
        ? `${round.name} mở lúc ${fmtDateTime(round.opens_at)}.`
        : `${round.name} đã đóng lúc ${fmtDateTime(round.closes_at)}.`);
    } else if (left === 0 && !hasOpen) {
      body = h('div', { class: 'alert' }, MSG.ATTEMPT_LIMIT_REACHED, ' ', h('a', { href: '#/ca-nhan' }, 'Xem lịch sử dự thi'));
    } else {
      body = h('div', { class: 'card' },
        h('ul', { class: 'rules' },
          h('li', null, `${rules.questions_per_attempt} câu hỏi, làm trong ${Math.round(rules.time_limit_seconds / 60)} phút. Đồng hồ chạy ngay khi bấm nút.`),
          h('li', null, 'Chạm vào đáp án để chọn; câu trả lời được lưu tự động.'),
          h('li', null, 'Cuối bài có câu dự đoán, sau đó bấm “Nộp bài”.'),
          rules.score_visibility === 'at_submit' ? null : h('li', null, 'Nộp bài xong, bạn nhận mã biên nhận; điểm được công bố sau khi tuần thi kết thúc.'),
          left != null ? h('li', null, hasOpen ? 'Bạn đang có một lượt làm dở.' : `Bạn còn ${left}/${rules.max_attempts_per_round} lượt trong tuần này.`) : null),
        h('p', { class: 'actions' }, startButton));
    }
    screen(round.name, h('h1', null, `${round.name}: làm bài thi`), body);
  }

  async function startAttempt(contest, round, isCurrent) {
    screen(round.name, h('h1', null, round.name), h('p', { class: 'loading', role: 'status' }, 'Đang mở bài thi…'));
    let res;
    try {
      res = await api('POST', `rounds/${enc(round.id)}/attempts`, {}, { auth: true });
    } catch (e) {
      if (e.code === 'UNAUTHORIZED' || !isCurrent()) return;
      store.del(`open.${round.id}`);
      const links = h('p', { class: 'actions' }, h('a', { class: 'btn', href: '#/ca-nhan' }, 'Lịch sử dự thi'), h('a', { class: 'btn', href: '#/' }, 'Về trang chủ'));
      screen(round.name, h('h1', null, round.name), errorBox(e, e.retryable ? () => startAttempt(contest, round, isCurrent) : null), links);
      return;
    }
    if (!isCurrent()) return;
    const attempt = res.data;
    // The server's own clock reading, taken while our request was in flight.
    const stamp = attempt.server_time || (res.status === 201 ? attempt.started_at : null);
    if (stamp) clock.learn(Date.parse(stamp), res.sentAt, res.receivedAt, 0);
    store.set(`open.${round.id}`, { attempt_id: attempt.attempt_id, deadline_at: attempt.deadline_at });
    // Attempts used in this round, as far as this phone knows: the next visit of the round page
    // needs no GET me (the server still refuses a start beyond the limit).
    if (attempt.number) store.set(`used.${round.id}`, Math.max(attempt.number, store.get(`used.${round.id}`) || 0));
    runAttempt(contest, round, attempt);
  }

  const SAVE_TEXT = { saved: 'Đã lưu', saving: 'Đang lưu…', retry: 'Chưa lưu – sẽ thử lại', failed: 'Chưa lưu' };

  function runAttempt(contest, round, attempt) {
    const id = attempt.attempt_id;
    const questions = attempt.questions;
    const total = questions.length;
    const grace = (attempt.grace_seconds ?? contest.rules.grace_seconds) * 1000;
    const local = store.get(`ans.${id}`) || {};
    const state = {
      answers: Object.assign({}, attempt.answers || {}, local.dirty ? local.answers : {}),
      prediction: local.dirty && 'prediction' in local ? local.prediction : attempt.prediction_value,
      version: local.dirty ? 1 : 0,
      savedVersion: 0,
      // Nothing saved on the server yet: the first save says so and the server makes the
      // attempt's save item without trying an update first (one write unit less).
      firstSave: !Object.keys(attempt.answers || {}).length && attempt.prediction_value == null,
      saving: false,
      retryDelay: 0,
      saveTimer: null,
      over: false,
    };
    const firstOpen = questions.findIndex((q) => !state.answers[q.id]);
    let index = Number.isInteger(local.index) ? Math.min(local.index, total) : (firstOpen < 0 ? total : firstOpen);
    const deadline = Date.parse(attempt.deadline_at);

    const persist = () => store.set(`ans.${id}`, { answers: state.answers, prediction: state.prediction, dirty: state.version !== state.savedVersion, index });

    // --- layout ---
    const timerEl = h('span', { class: 'timer', role: 'timer', 'aria-label': 'Thời gian còn lại' });
    const saveEl = h('span', { class: 'save-state', role: 'status' });
    const answeredEl = h('span', { class: 'answered' });
    const announcer = h('p', { class: 'sr-only', 'aria-live': 'assertive' });
    const bar = h('div', { class: 'attempt-bar' }, h('span', { class: 'timer-wrap' }, 'Còn ', timerEl), saveEl, answeredEl);
    const stage = h('div', { class: 'question-stage' });
    const alertEl = h('div', { class: 'attempt-alert', role: 'alert' });
    const prevBtn = h('button', { type: 'button', class: 'btn', onclick: () => show(index - 1, true) }, '← Câu trước');
    const nextBtn = h('button', { type: 'button', class: 'btn', onclick: () => show(index + 1, true) }, 'Câu sau →');
    const submitBtn = h('button', { type: 'button', class: 'btn primary', onclick: () => confirmSubmit() }, 'Nộp bài');
    const mapButtons = questions.map((q, i) => h('button', { type: 'button', class: 'map-btn', onclick: () => show(i, true) }, String(i + 1)));
    mapButtons.push(h('button', { type: 'button', class: 'map-btn map-prediction', onclick: () => show(total, true) }, 'Dự đoán'));
    const map = h('nav', { class: 'question-map', 'aria-label': 'Chuyển nhanh đến câu hỏi' }, mapButtons);
    const dialog = buildConfirm();

    screen(round.name,
      h('h1', { class: 'attempt-title' }, `${round.name}: bài thi`),
      bar, announcer, alertEl, stage,
      h('div', { class: 'question-nav' }, prevBtn, nextBtn),
      map,
      h('p', { class: 'actions submit-row' }, submitBtn),
      dialog);

    function setSave(status) {
      saveEl.textContent = SAVE_TEXT[status];
      saveEl.dataset.state = status;
    }

    function refreshMeta() {
      const answered = questions.filter((q) => state.answers[q.id]).length;
      answeredEl.textContent = `Đã trả lời ${answered}/${total}`;
      questions.forEach((q, i) => {
        const done = !!state.answers[q.id];
        mapButtons[i].classList.toggle('done', done);
        mapButtons[i].setAttribute('aria-label', `Câu ${i + 1}${done ? ', đã trả lời' : ', chưa trả lời'}`);
        if (i === index) mapButtons[i].setAttribute('aria-current', 'step'); else mapButtons[i].removeAttribute('aria-current');
      });
      const predicted = state.prediction != null;
      mapButtons[total].classList.toggle('done', predicted);
      mapButtons[total].setAttribute('aria-label', `Câu dự đoán${predicted ? ', đã trả lời' : ', chưa trả lời'}`);
      if (index === total) mapButtons[total].setAttribute('aria-current', 'step'); else mapButtons[total].removeAttribute('aria-current');
      prevBtn.disabled = index === 0;
      nextBtn.disabled = index === total;
      return answered;
    }

    let lastPointer = 0;
    let advanceTimer = null;
    function show(i, moveFocus) {
      clearTimeout(advanceTimer);
      index = Math.max(0, Math.min(total, i));
      persist();
      const heading = h('h2', { id: 'q-heading', tabindex: '-1' }, index < total ? `Câu ${index + 1}/${total}` : 'Câu dự đoán');
      if (index < total) {
        const q = questions[index];
        const options = h('div', { class: 'options' }, q.options.map((o, k) => h('label', { class: state.answers[q.id] === o.id ? 'option selected' : 'option' },
          h('input', { type: 'radio', name: `q-${q.id}`, value: o.id, checked: state.answers[q.id] === o.id, disabled: state.over }),
          h('span', { class: 'option-key', 'aria-hidden': 'true' }, String.fromCharCode(65 + k)),
          h('span', { class: 'option-text' }, o.text))));
        options.addEventListener('pointerdown', () => { lastPointer = Date.now(); });
        options.addEventListener('change', (e) => {
          const wasOpen = !state.answers[q.id];
          state.answers[q.id] = e.target.value;
          options.querySelectorAll('.option').forEach((label) => label.classList.toggle('selected', label.contains(e.target)));
          changed(wasOpen);
          // One tap answers and moves on; arrow keys only change the choice.
          if (wasOpen && Date.now() - lastPointer < 1500 && index < total) {
            advanceTimer = setTimeout(() => show(index + 1, true), 400);
          }
        });
        stage.replaceChildren(heading, h('fieldset', { class: 'question' },
          h('legend', { class: 'question-text' }, q.text), options));
      } else {
        const input = h('input', { id: 'prediction', type: 'text', inputmode: 'numeric', autocomplete: 'off', maxlength: 12,
          value: state.prediction == null ? '' : String(state.prediction), 'aria-describedby': 'prediction-hint prediction-error', disabled: state.over });
        const error = h('p', { class: 'field-error', id: 'prediction-error', hidden: true });
        input.addEventListener('input', () => {
          const raw = input.value.replace(/[\s.,]/g, '');
          const ok = raw === '' || /^\d{1,9}$/.test(raw);
          error.hidden = ok;
          error.textContent = ok ? '' : 'Hãy nhập một số nguyên không âm, ví dụ 1250.';
          if (ok) input.removeAttribute('aria-invalid'); else input.setAttribute('aria-invalid', 'true');
          if (!ok) return;
          const value = raw === '' ? null : parseInt(raw, 10);
          if (value !== state.prediction) { state.prediction = value; changed(); }
        });
        stage.replaceChildren(heading, h('div', { class: 'question field' },
          h('label', { for: 'prediction', class: 'question-text' }, attempt.prediction.question),
          h('p', { class: 'hint', id: 'prediction-hint' }, 'Nhập một số nguyên. Câu này dùng để phân định khi nhiều người cùng số câu đúng.'),
          input, error,
          h('p', null, 'Kiểm tra lại các câu trong danh sách bên dưới rồi bấm “Nộp bài”.')));
      }
      refreshMeta();
      if (moveFocus) {
        heading.focus({ preventScroll: true });
        if (bar.getBoundingClientRect().bottom < 0 || stage.getBoundingClientRect().top < 0) stage.scrollIntoView({ block: 'start' });
      }
    }

    // --- autosave: every change is kept on the phone at once; the server gets a save only
    // when it matters (docs/design.md, "Autosave"): after every 5th new answer (not the one that
    // completes the set), once the person has changed nothing for 20 s (and never more than 60 s
    // after a change it has not seen), when the page is hidden or closed (keepalive), and with
    // the submit itself, which carries the whole state. The last full state wins.
    const SAVE_EVERY_ANSWERS = 5;
    const SAVE_IDLE_MS = 20000;
    const SAVE_MAX_WAIT_MS = 60000;
    function scheduleSave() {
      clearTimeout(state.sendTimer);
      const wait = Math.min(SAVE_IDLE_MS, state.unsavedSince + SAVE_MAX_WAIT_MS - Date.now());
      state.sendTimer = setTimeout(() => { state.sendTimer = null; flush(); }, Math.max(0, wait));
    }
    function changed(newAnswer) {
      if (!state.unsavedSince) state.unsavedSince = Date.now();
      state.version++;
      if (newAnswer) state.newAnswers = (state.newAnswers || 0) + 1;
      persist();
      refreshMeta();
      if (state.saving) { state.again = true; return; }
      if (state.retryDelay) { setSave('retry'); return; } // the retry under way sends the latest state
      setSave(navigator.onLine === false ? 'retry' : 'saved'); // kept on this phone: a reload loses nothing
      // The answer that completes the set waits for the 20 s timer: the prediction and the
      // submit, which carries everything, usually come first and spare a request.
      const complete = questions.every((q) => state.answers[q.id]);
      if (state.newAnswers >= SAVE_EVERY_ANSWERS && !complete) { flush(); return; }
      scheduleSave();
    }

    async function flush(keepalive) {
      if (state.over || state.version === state.savedVersion) return;
      if (state.saving) { state.again = true; return; }
      clearTimeout(state.saveTimer);
      clearTimeout(state.sendTimer); state.sendTimer = null;
      state.saving = true;
      const version = state.version;
      state.newAnswers = 0;
      state.unsavedSince = 0;
      setSave('saving');
      try {
        const body = { answers: state.answers, prediction: state.prediction };
        if (state.firstSave) body.first_save = true;
        await api('PUT', `attempts/${enc(id)}/answers`, body, { auth: true, keepalive });
        state.firstSave = false;
        state.savedVersion = Math.max(state.savedVersion, version);
        state.retryDelay = 0;
        persist();
        if (!state.over) setSave('saved');
      } catch (e) {
        if (e.code === 'ATTEMPT_CLOSED') { closed(e.message); return; }
        if (e.code === 'UNAUTHORIZED') return;
        if (e.retryable) {
          state.retryDelay = Math.min(state.retryDelay ? state.retryDelay * 2 : 1000, 30000);
          setSave('retry');
          state.saveTimer = setTimeout(flush, state.retryDelay + Math.random() * 500);
        } else {
          setSave('failed');
          alertEl.replaceChildren(h('p', null, e.message));
        }
      } finally {
        state.saving = false;
      }
      if (state.over || state.version === state.savedVersion || state.retryDelay) return;
      const hidden = document.visibilityState === 'hidden';
      if (hidden || state.newAnswers >= SAVE_EVERY_ANSWERS) { state.again = false; flush(hidden); return; }
      state.again = false;
      if (!state.unsavedSince) state.unsavedSince = Date.now();
      scheduleSave();
    }

    const onOnline = () => { if (state.version !== state.savedVersion) flush(); };
    const onHide = () => { if (document.visibilityState === 'hidden') flush(true); };
    window.addEventListener('online', onOnline);
    document.addEventListener('visibilitychange', onHide);
    window.addEventListener('pagehide', onHide);
    cleanups.push(() => {
      window.removeEventListener('online', onOnline);
      document.removeEventListener('visibilitychange', onHide);
      window.removeEventListener('pagehide', onHide);
      clearTimeout(state.saveTimer); clearTimeout(state.sendTimer); clearTimeout(advanceTimer);
      if (!state.over && state.version !== state.savedVersion) flush(true);
      state.over = true;
    });

    // --- countdown against the server's deadline ---
    const warned = new Set();
    function tick() {
      const left = deadline - clock.now();
      const s = Math.max(0, Math.ceil(left / 1000));
      timerEl.textContent = `${pad(Math.floor(s / 60))}:${pad(s % 60)}`;
      timerEl.setAttribute('aria-label', `Thời gian còn lại: ${Math.floor(s / 60)} phút ${s % 60} giây`);
      timerEl.classList.toggle('urgent', s <= 60);
      for (const mark of [300, 60]) {
        if (s <= mark && s > mark - 5 && !warned.has(mark)) { warned.add(mark); announcer.textContent = `Còn ${mark / 60} phút.`; }
      }
      if (left <= 0 && !state.over && !state.submitting) {
        alertEl.replaceChildren(h('p', null, 'Đã hết giờ làm bài. Đang nộp bài…'));
        submit();
      }
    }
    tickers.push(tick);

    // --- submit ---
    function buildConfirm() {
      const text = h('p', { id: 'confirm-text' });
      const yes = h('button', { type: 'button', class: 'btn primary', onclick: () => { d.close(); submit(); } }, 'Nộp bài');
      const no = h('button', { type: 'button', class: 'btn', onclick: () => d.close() }, 'Quay lại làm tiếp');
      const d = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
        h('h2', { id: 'confirm-title' }, 'Nộp bài?'), text, h('p', { class: 'actions' }, yes, no));
      d.text = text; d.no = no;
      return d;
    }

    function confirmSubmit() {
      const answered = refreshMeta();
      const notes = [`Bạn đã trả lời ${answered}/${total} câu.`];
      if (answered < total) notes.push(`Còn ${total - answered} câu chưa trả lời.`);
      if (state.prediction == null) notes.push('Bạn chưa trả lời câu dự đoán.');
      notes.push('Sau khi nộp, bạn không sửa được bài nữa.');
      dialog.text.textContent = notes.join(' ');
      if (typeof dialog.showModal === 'function') { dialog.showModal(); dialog.no.focus(); } else if (window.confirm(notes.join('\n'))) submit();
    }

    async function submit() {
      if (state.submitting || state.over) return;
      state.submitting = true;
      clearTimeout(state.saveTimer); clearTimeout(state.sendTimer);
      submitBtn.disabled = true;
      submitBtn.textContent = 'Đang nộp bài…';
      const body = { answers: state.answers, prediction: state.prediction };
      for (let tries = 0; ; tries++) {
        try {
          const res = await api('POST', `attempts/${enc(id)}/submit`, body, { auth: true });
          finish(res.data);
          return;
        } catch (e) {
          if (e.code === 'ATTEMPT_CLOSED') { closed(e.message); return; }
          if (e.code === 'UNAUTHORIZED' || state.over) return;
          if (e.retryable && tries < 6) {
            alertEl.replaceChildren(h('p', null, 'Mất kết nối, đang thử nộp lại… Bài làm của bạn vẫn được giữ trên máy.'));
            await sleep(Math.min(1000 * 2 ** tries, 15000));
            continue;
          }
          alertEl.replaceChildren(h('p', null, e.message), h('button', { type: 'button', class: 'btn', onclick: () => submit() }, 'Thử nộp lại'));
          state.submitting = false;
          submitBtn.disabled = false;
          submitBtn.textContent = 'Nộp bài';
          return;
        }
      }
    }

    function finish(result) {
      state.over = true;
      state.savedVersion = state.version;
      justSubmitted = Object.assign({ round_id: round.id }, result);
      store.set(`res.${id}`, justSubmitted);
      store.del(`ans.${id}`);
      store.del(`open.${round.id}`);
      if (result.correct != null) flash = 'Bài thi đã được nộp.'; // otherwise the heading says so
      go(`luot/${id}`, { replace: true });
    }

    function closed(message) {
      if (state.over) return;
      state.over = true;
      clearTimeout(state.saveTimer);
      store.del(`open.${round.id}`);
      store.del(`ans.${id}`);
      screen(round.name,
        h('h1', null, `${round.name}: lượt thi đã đóng`),
        h('div', { class: 'alert alert-closed', role: 'alert' },
          h('h2', null, 'Hết giờ nộp bài'),
          h('p', null, message || MSG.ATTEMPT_CLOSED)),
        h('p', { class: 'actions' }, h('a', { class: 'btn primary', href: '#/ca-nhan' }, 'Lịch sử dự thi'), h('a', { class: 'btn', href: '#/' }, 'Về trang chủ')));
    }

    if (deadline + grace <= clock.now()) { closed(MSG.ATTEMPT_CLOSED); return; }
    setSave(state.version === state.savedVersion ? 'saved' : 'saving');
    show(index, false);
    tick();
    if (state.version !== state.savedVersion) flush();
  }

  // ---------- receipt ----------
  let justSubmitted = null; // the submit reply, for the receipt screen that follows
  // The server says whether the score and the correct answers may be shown yet
  // (score_visible, review_visible) and from when (…_from, Vietnam time); the page only words it.
  const when = (iso) => (iso ? ` lúc ${fmtDateTime(iso)}` : '');

  function disclosureRule(rules) {
    const score = rules.score_visibility === 'at_submit'
      ? 'Nộp bài xong, bạn thấy ngay số câu đúng.'
      : 'Nộp bài xong, bạn nhận mã biên nhận; điểm được công bố sau khi tuần thi kết thúc.';
    const review = rules.review_visibility === 'after_close'
      ? 'Đáp án đúng được công bố sau khi tuần thi kết thúc.'
      : 'Đáp án đúng được công bố sau khi kết thúc tuần thi cuối cùng.';
    return `${score} ${review}`;
  }

  // Sentences on what is still to come for a submitted attempt: {score, review}, each or null.
  // Between the announced time and the server's close (a few minutes) the time has passed.
  function disclosure(a, rules) {
    const passed = (iso) => !!iso && Date.parse(iso) <= clock.now();
    const afterContest = rules.review_visibility !== 'after_close';
    const from = a.score_visible_from;
    if (!a.score_visible && !a.review_visible && !afterContest) {
      return {
        score: passed(from)
          ? `Tuần thi đã kết thúc lúc ${fmtDateTime(from)}; điểm và đáp án đúng sẽ được công bố sau ít phút.`
          : `Điểm và đáp án đúng sẽ được công bố sau khi tuần thi kết thúc${when(from)}.`,
        review: null,
      };
    }
    let score = null;
    if (!a.score_visible) {
      score = passed(from)
        ? `Tuần thi đã kết thúc lúc ${fmtDateTime(from)}; điểm của bạn sẽ được công bố sau ít phút.`
        : `Điểm của bạn sẽ được công bố sau khi tuần thi kết thúc${when(from)}.`;
    }
    let review = null;
    if (!a.review_visible) {
      const at = a.review_visible_from && !passed(a.review_visible_from) ? a.review_visible_from : null;
      review = afterContest
        ? `Đáp án đúng sẽ được công bố sau khi kết thúc tuần thi cuối cùng${at ? ` (${fmtDateTime(at)})` : ''}.`
        : `Đáp án đúng sẽ được công bố sau khi tuần thi kết thúc${when(at)}.`;
    }
    return { score, review };
  }

  // The person's own attempt with the correct options (only once the server sends them).
  function reviewBlock(a) {
    const letter = (q, id) => String.fromCharCode(65 + q.options.findIndex((o) => o.id === id));
    const right = a.review.filter((q) => q.chosen_option_id && q.chosen_option_id === q.correct_option_id).length;
    return h('details', { class: 'review' },
      h('summary', null, `Xem đáp án (${right}/${a.review.length} câu đúng)`),
      h('ol', { class: 'review-list' }, a.review.map((q) => {
        const correct = q.options.find((o) => o.id === q.correct_option_id);
        const chosen = q.options.find((o) => o.id === q.chosen_option_id);
        const ok = !!chosen && chosen === correct;
        return h('li', { class: ok ? 'review-ok' : (chosen ? 'review-miss' : 'review-skip') },
          h('p', { class: 'review-question' }, q.text),
          chosen
            ? h('p', null, h('span', { class: 'review-mark' }, ok ? 'Đúng' : 'Sai'), ` Bạn chọn: ${letter(q, chosen.id)}. ${chosen.text}`)
            : h('p', null, h('span', { class: 'review-mark' }, 'Bỏ trống'), ' Bạn không trả lời câu này.'),
          ok || !correct ? null : h('p', null, 'Đáp án đúng: ', h('strong', null, `${letter(q, correct.id)}. ${correct.text}`)),
          q.source ? h('p', { class: 'hint' }, `Nguồn: ${q.source}`) : null);
      })));
  }

  async function viewReceipt(attemptId, isCurrent) {
    if (requireSignIn(`luot/${attemptId}`)) return;
    // Right after a submit the contest read before the attempt is good enough for names and
    // rules (no request for it); later visits refresh it as usual.
    const fresh = justSubmitted && justSubmitted.attempt_id === attemptId;
    const contest = fresh && contestCache ? contestCache : await loadContest();
    // The submit reply right after submitting; later the server's current view (the score
    // comes once the round is closed, maybe earlier than announced); offline, the phone's copy.
    let result = justSubmitted && justSubmitted.attempt_id === attemptId ? justSubmitted : null;
    justSubmitted = null;
    if (!result) {
      const stored = store.get(`res.${attemptId}`);
      try {
        const me = (await api('GET', 'me', undefined, { auth: true })).data;
        result = me.attempts.find((a) => a.attempt_id === attemptId) || stored;
      } catch (e) {
        if (!stored || e.code === 'UNAUTHORIZED') throw e;
        result = stored;
      }
    }
    if (!isCurrent()) return;
    if (!result || !result.receipt) {
      screen('Lượt thi', h('h1', null, 'Lượt thi'), h('p', null, 'Lượt thi này chưa được nộp hoặc không còn trên máy. ', h('a', { href: '#/ca-nhan' }, 'Xem lịch sử dự thi')));
      return;
    }
    const round = contest.rounds.find((r) => r.id === result.round_id);
    const later = disclosure(result, contest.rules);
    const scored = result.correct != null; // sent only once the score may be shown
    const title = scored ? 'Kết quả lượt thi' : 'Bài thi đã được nộp';
    screen(title,
      h('h1', null, title),
      h('div', { class: 'card result' },
        scored
          ? h('p', { class: 'score' }, h('strong', null, `${result.correct}/${result.total}`), ' câu trả lời đúng')
          : h('p', { class: 'score-later' }, later.score || 'Điểm của bạn sẽ được công bố sau khi tuần thi kết thúc.'),
        h('div', { class: 'receipt-box' },
          h('p', { class: 'receipt-label' }, 'Mã biên nhận'),
          h('code', { class: 'receipt receipt-code' }, result.receipt),
          h('p', { class: 'hint' }, 'Hãy lưu mã này: đó là bằng chứng bài của bạn đã được ghi nhận đúng lúc nộp.')),
        h('dl', { class: 'facts' },
          round ? [h('dt', null, 'Tuần thi'), h('dd', null, round.name)] : null,
          h('dt', null, 'Đã trả lời'), h('dd', { class: 'answered-count' }, `${result.answered}/${result.total} câu`),
          h('dt', null, 'Thời gian làm bài'), h('dd', null, fmtDuration(result.duration_ms)),
          h('dt', null, 'Nộp lúc'), h('dd', null, fmtDateTime(result.submitted_at, true))),
        later.review ? h('p', { class: 'review-later' }, later.review) : null,
        result.review ? reviewBlock(result) : null),
      h('p', { class: 'actions' },
        round && round.status === 'open' ? h('a', { class: 'btn primary', href: `#/thi/${round.id}` }, 'Thi lượt khác') : null,
        h('a', { class: 'btn', href: '#/ca-nhan' }, 'Lịch sử dự thi'),
        h('a', { class: 'btn', href: '#/' }, 'Về trang chủ')));
  }

  // ---------- personal history ----------
  async function viewMe(isCurrent) {
    if (requireSignIn('ca-nhan')) return;
    const [contest, me] = await Promise.all([loadContest(), api('GET', 'me', undefined, { auth: true }).then((r) => r.data)]);
    if (!isCurrent()) return;
    const p = me.participant;
    const rows = contest.rounds.map((r) => {
      const attempts = me.attempts.filter((a) => a.round_id === r.id);
      if (!attempts.length) return null;
      return h('section', { class: 'card', 'aria-labelledby': `h-me-${r.id}` },
        h('h2', { id: `h-me-${r.id}` }, r.name),
        h('ol', { class: 'attempts' }, attempts.map((a) => h('li', null,
          a.status === 'submitted'
            ? [a.correct != null
              ? h('strong', null, `${a.correct}/${a.total} câu đúng`)
              : h('strong', null, a.score_visible_from ? `Chờ công bố điểm (sau ${fmtShort(a.score_visible_from)})` : 'Chờ công bố điểm'),
            ` · đã trả lời ${a.answered}/${a.total} câu · ${fmtDuration(a.duration_ms)} · nộp lúc ${fmtDateTime(a.submitted_at, true)}`,
            h('br'), 'Mã biên nhận: ', h('code', { class: 'receipt receipt-code' }, a.receipt),
            a.review ? reviewBlock(a) : null]
            : [h('strong', null, 'Đang làm dở'), r.status === 'open' ? [' · ', h('a', { href: `#/thi/${r.id}` }, 'Tiếp tục làm bài')] : ' · câu trả lời đã lưu được tính khi tuần thi kết thúc']))),
        r.status === 'published' ? h('p', null, h('a', { href: `#/ket-qua/${r.id}` }, `Xem kết quả ${r.name}`)) : null);
    }).filter(Boolean);
    const signOut = h('button', { type: 'button', class: 'btn', onclick: () => { session.end(); flash = 'Bạn đã đăng xuất.'; go(''); } }, 'Đăng xuất');
    screen('Cá nhân',
      h('h1', null, `Xin chào, ${p.full_name}`),
      h('div', { class: 'card' },
        h('dl', { class: 'facts' },
          h('dt', null, 'Số CCCD'), h('dd', null, p.national_id_masked),
          h('dt', null, 'Phường, xã'), h('dd', null, unitName(contest, p.unit_id)),
          h('dt', null, 'Nơi công tác'), h('dd', null, p.workplace)),
        h('p', { class: 'actions' }, signOut)),
      h('h2', null, 'Lịch sử dự thi'),
      me.attempts.some((a) => a.status === 'submitted' && !a.review) ? h('p', { class: 'hint' }, disclosureRule(contest.rules)) : null,
      rows.length ? rows : h('p', null, 'Bạn chưa dự thi lượt nào. ', h('a', { href: '#/' }, 'Xem các tuần thi')));
  }

  // ---------- published results ----------
  async function viewResultsIndex(isCurrent) {
    const contest = await loadContest(true);
    if (!isCurrent()) return;
    screen('Kết quả',
      h('h1', null, 'Kết quả các tuần thi'),
      h('ul', { class: 'rounds' }, contest.rounds.map((r) => h('li', { class: 'round' },
        h('div', { class: 'round-head' }, h('h2', null, r.name), h('span', { class: `badge badge-${r.status}` }, STATUS[r.status] || r.status)),
        r.status === 'published'
          ? h('p', null, h('a', { class: 'btn primary', href: `#/ket-qua/${r.id}` }, `Xem kết quả ${r.name}`))
          : h('p', null, `Kết quả sẽ công bố lúc ${fmtDateTime(r.publish_at)}.`)))));
  }

  function table(caption, headers, rows) {
    return h('div', { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: '0' },
      h('table', { class: 'rtable' }, h('caption', null, caption),
        h('thead', null, h('tr', null, headers.map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, rows.map((cells) => h('tr', null, cells.map((c, i) => h('td', { 'data-label': headers[i] }, c)))))));
  }

  async function viewResults(roundId, isCurrent) {
    const contest = await loadContest();
    const round = contest.rounds.find((r) => r.id === roundId);
    const name = round ? round.name : roundId;
    let data;
    try {
      data = (await api('GET', `rounds/${enc(roundId)}/results`)).data;
    } catch (e) {
      if (!isCurrent()) return;
      if (e.code === 'RESULTS_NOT_PUBLISHED') {
        screen(`Kết quả ${name}`, h('h1', null, `Kết quả ${name}`),
          h('div', { class: 'notice' }, round ? `Kết quả sẽ công bố lúc ${fmtDateTime(round.publish_at)}.` : e.message),
          h('p', null, h('a', { href: '#/ket-qua' }, 'Các tuần thi khác')));
        return;
      }
      throw e;
    }
    if (!isCurrent()) return;
    const prize = (list, row) => {
      if (!row.prize) return '—';
      const name = (list.find((p) => p.prize === row.prize) || { name: row.prize }).name;
      return row.amount ? `${name} (${fmtMoney(row.amount, contest.prizes.currency)})` : name;
    };
    screen(`Kết quả ${name}`,
      h('h1', null, `Kết quả ${name}`),
      h('p', null, `Công bố lúc ${fmtDateTime(data.published_at)}. Số lượt dự thi thực tế: ${fmtNumber(data.actual_prediction_value)}.`),
      data.stats ? h('p', null, `${fmtNumber(data.stats.participants)} người dự thi, ${fmtNumber(data.stats.attempts)} lượt thi.`) : null,
      h('section', { class: 'card', 'aria-labelledby': 'h-individual' },
        h('h2', { id: 'h-individual' }, 'Giải cá nhân'),
        table(`Giải cá nhân ${name}`, ['Hạng', 'Giải', 'Họ và tên', 'CCCD', 'Phường, xã', 'Số câu đúng', 'Dự đoán (sai số)', 'Thời gian'],
          data.individual.map((w) => [String(w.rank), prize(contest.prizes.individual, w), w.full_name, w.national_id_masked,
            unitName(contest, w.unit_id), `${w.correct}/${w.total}`, `${fmtNumber(w.prediction)} (${fmtNumber(w.prediction_error)})`, fmtDuration(w.duration_ms)]))),
      h('section', { class: 'card', 'aria-labelledby': 'h-collective' },
        h('h2', { id: 'h-collective' }, 'Giải tập thể'),
        table(`Giải tập thể ${name}`, ['Hạng', 'Giải', 'Phường, xã', 'Người dự thi', 'Lượt thi', 'Điểm trung bình'],
          data.collective.map((c) => [String(c.rank), prize(contest.prizes.collective, c), unitName(contest, c.unit_id),
            fmtNumber(c.participants), fmtNumber(c.attempts), String(Math.round(c.average_score * 100) / 100).replace('.', ',')]))),
      h('p', { class: 'hint' }, 'Mã kiểm tra (SHA-256) của bảng kết quả: ', h('code', { class: 'receipt' }, data.sha256)));
  }

  function viewNotFound() {
    screen('Không tìm thấy', h('h1', null, 'Không tìm thấy trang'), h('p', null, h('a', { href: '#/' }, 'Về trang chủ')));
  }

  // ---------- embed mode ----------
  const embedded = new URLSearchParams(location.search).get('embed') === '1';
  if (embedded) {
    document.documentElement.classList.add('embed');
    // Tell the portal page how tall the content is, so its iframe needs no inner scroll bar.
    if (window.parent !== window && window.ResizeObserver) {
      new ResizeObserver(() => {
        window.parent.postMessage({ type: 'songcong-quiz:height', height: document.documentElement.scrollHeight }, '*');
      }).observe(document.body);
    }
  }

  const skip = $('.skip-link');
  if (skip) skip.addEventListener('click', (e) => { e.preventDefault(); main.focus(); });
  window.addEventListener('hashchange', () => { if (location.hash === '' || location.hash.startsWith('#/')) render(); });
  updateNav();
  render(true);
})();
