/* Trang Ban Tổ chức: "Tham gia" (danh sách cán bộ của các cơ quan trong phường, xã: tải lên có
   kiểm tra trước, thay, xoá; tỷ lệ tham gia theo cơ quan và tuần thi, người chưa dự thi, tải
   .xlsx) và "Xuất Excel" (xếp hạng, xếp hạng tập thể, thống kê đơn vị, người dự thi, nhật ký).
   PUT/DELETE/GET admin/units/{unit}/rosters…, GET admin/units/{unit}/participation(.xlsx),
   GET admin/rounds/{round}/exports/*.xlsx, admin/units/{unit}/participants.xlsx, admin/audit.xlsx. */
(() => {
  'use strict';

  const C = window.scConsole;
  const {
    h, call, download, downloadButton, upload, show, errorBox, table, busy, outcome, field, check, formAlert, showApiError,
    loadContest, unitName, roundName, loadCharts, fmtNumber, fmtDecimal, go, can, me, enc, dialog,
  } = C;

  const SHOWN_MISSING = 300; // a phone shows this many people; the .xlsx has them all
  const RED = '#a3161a';
  const INK = '#1c1b1a';
  const GRID = '#e2ddd2';
  const CHART_FONT = '13px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif';

  // The unit a screen works on: a ward's office its own, the committee any (from the hash).
  function unitOf(param, contest) {
    const own = me().organizer.role === 'unit_organizer' ? me().organizer.unit_id : null;
    const [unit, round] = (param || '').split('/');
    return { unit: own || unit || contest.units[0].id, round: round || '', own };
  }

  function unitPicker(id, contest, current, onChange) {
    return h('select', { id, onchange: (e) => onChange(e.target.value) },
      contest.units.map((u) => h('option', { value: u.id, selected: u.id === current }, u.name)));
  }

  function roundPicker(id, contest, current, onChange, whole) {
    return h('select', { id, onchange: (e) => onChange(e.target.value) },
      whole ? h('option', { value: '', selected: !current }, whole) : null,
      contest.rounds.map((r) => h('option', { value: r.id, selected: r.id === current }, r.name)));
  }


  // A bar of the share in % (a native <progress>: its role and value reach assistive technology).
  function shareBar(share, label) {
    return h('span', { class: 'share' },
      h('progress', { max: '100', value: String(Math.max(0, Math.min(100, share))), 'aria-label': label }),
      `${fmtDecimal(share)}\u00a0%`);
  }

  function textWidth(text) {
    textWidth.ctx = textWidth.ctx || document.createElement('canvas').getContext('2d');
    textWidth.ctx.font = CHART_FONT;
    return textWidth.ctx.measureText(text).width;
  }

  // Share per organization as horizontal bars (uPlot, vendored), names read across.
  async function shareChart(box, organizations) {
    const uPlot = await loadCharts();
    if (!uPlot || !box.isConnected) return null;
    // Names cut to fit a phone's width; the table above carries them whole.
    const labels = organizations.map((o) => (o.name.length > 22 ? `${o.name.slice(0, 21)}…` : o.name));
    const height = labels.length * 30 + 46;
    const chart = new uPlot({
      width: box.clientWidth || 320,
      height,
      legend: { show: false },
      cursor: { show: false },
      padding: [8, 48, 0, 0],
      scales: { x: { time: false, ori: 1, dir: -1, range: () => [-0.5, labels.length - 0.5] }, y: { ori: 0, dir: 1, range: () => [0, 100] } },
      axes: [
        {
          scale: 'x', side: 3, font: CHART_FONT, stroke: INK, grid: { show: false }, ticks: { show: false }, gap: 6,
          splits: () => labels.map((_, i) => i),
          values: (u, splits) => splits.map((i) => labels[i] || ''),
          size: () => Math.ceil(Math.max(40, ...labels.map(textWidth))) + 14,
        },
        { scale: 'y', side: 2, font: CHART_FONT, stroke: INK, grid: { stroke: GRID, width: 1 }, splits: () => [0, 25, 50, 75, 100], values: (u, s) => s.map((v) => `${v}%`) },
      ],
      series: [{}, { label: 'Tỷ lệ dự thi', fill: RED, stroke: RED, width: 0, points: { show: false }, paths: uPlot.paths.bars({ size: [0.7, 22] }) }],
    }, [labels.map((_, i) => i), organizations.map((o) => o.share)], box);
    // Follows its card's width (a phone turned, a window resized); stops with the screen.
    const observer = new ResizeObserver(() => {
      if (!box.isConnected) { observer.disconnect(); chart.destroy(); return; }
      if (box.clientWidth && box.clientWidth !== chart.width) chart.setSize({ width: box.clientWidth, height });
    });
    observer.observe(box);
    return chart;
  }

  // ---------- "Tham gia" ----------
  async function viewParticipation({ isCurrent, param }) {
    const contest = await loadContest();
    if (!isCurrent()) return;
    const { unit, round, own } = unitOf(param, contest);
    const where = (u, r) => go(`tham-gia/${enc(u)}${r ? `/${enc(r)}` : ''}`);
    const query = round ? `?round_id=${enc(round)}` : '';
    const base = `admin/units/${enc(unit)}`;
    let report;
    let rosters = null;
    try {
      [report, rosters] = await Promise.all([
        call('GET', `${base}/participation${query}`),
        can('rosters.manage') ? call('GET', `${base}/rosters`) : Promise.resolve(null),
      ]);
    } catch (e) {
      if (!isCurrent() || e.code === 'UNAUTHORIZED') return;
      show('Tham gia', h('h1', null, 'Tỷ lệ tham gia'), errorBox(e, () => viewParticipation({ isCurrent, param })));
      return;
    }
    if (!isCurrent()) return;
    const status = h('p', { class: 'hint', role: 'status' });
    const period = round ? roundName(round) : 'cả cuộc thi';
    const pickers = h('div', { class: 'filters' },
      own ? null : h('p', null, h('label', { for: 'participation-unit' }, 'Phường, xã '), unitPicker('participation-unit', contest, unit, (u) => where(u, round))),
      h('p', null, h('label', { for: 'participation-round' }, 'Tuần thi '), roundPicker('participation-round', contest, round, (r) => where(unit, r), 'Cả cuộc thi')));
    const organizations = report.organizations;
    const totals = organizations.reduce((t, o) => ({ on: t.on + o.on_roster, reg: t.reg + o.registered, took: t.took + o.took_part }), { on: 0, reg: 0, took: 0 });
    const chartBox = h('div', { class: 'chart', role: 'img', 'aria-label': `Biểu đồ tỷ lệ dự thi theo cơ quan, ${period}` });
    const reportSection = h('section', { class: 'card', 'aria-labelledby': 'h-report' },
      h('h2', { id: 'h-report' }, `Tỷ lệ dự thi – ${unitName(unit)}, ${period}`),
      organizations.length ? [
        h('p', null, `${fmtNumber(totals.took)}/${fmtNumber(totals.on)} người trong danh sách đã dự thi, ${fmtNumber(totals.reg)} đã đăng ký.`),
        table('Tỷ lệ dự thi theo cơ quan, đơn vị', ['Cơ quan, đơn vị', 'Trong danh sách', 'Đã đăng ký', 'Đã dự thi', 'Tỷ lệ'],
          organizations.map((o) => [o.name, fmtNumber(o.on_roster), fmtNumber(o.registered), fmtNumber(o.took_part), shareBar(o.share, `Tỷ lệ dự thi của ${o.name}`)]),
          { rowHeaders: true }),
        chartBox,
      ] : h('p', null, 'Chưa có danh sách nào: hãy tải danh sách cán bộ của các cơ quan ở phần dưới.'),
      h('p', null, `Người đăng ký thuộc ${unitName(unit)} nhưng không có trong danh sách nào: ${fmtNumber(report.unmatched_participants)}.`),
      h('p', { class: 'actions' }, downloadButton('Tải báo cáo (.xlsx)', `${base}/participation.xlsx${query}`, `tham-gia-${unit}-${round || 'ca-cuoc-thi'}.xlsx`, status)),
      status);
    const missing = report.not_taken_part;
    const missingSection = h('section', { class: 'card', 'aria-labelledby': 'h-missing' },
      h('h2', { id: 'h-missing' }, `Chưa dự thi (${fmtNumber(missing.length)})`),
      missing.length > SHOWN_MISSING
        ? h('p', { class: 'hint' }, `Hiển thị ${fmtNumber(SHOWN_MISSING)} người đầu tiên; danh sách đầy đủ có trong tệp báo cáo (.xlsx).`)
        : null,
      missing.length
        ? table('Người trong danh sách chưa dự thi', ['Họ và tên', 'Cơ quan', 'Phòng, bộ phận', 'CCCD', 'Điện thoại', 'Tình trạng'],
          missing.slice(0, SHOWN_MISSING).map((p) => [p.full_name, (organizations.find((o) => o.roster_id === p.roster_id) || {}).name || p.roster_id,
            p.department || '—', p.national_id_masked, p.phone || '—', p.registered ? 'Đã đăng ký, chưa làm bài' : 'Chưa đăng ký']),
          { rowHeaders: true })
        : h('p', null, organizations.length ? 'Mọi người trong danh sách đã dự thi.' : 'Chưa có danh sách.'));
    show('Tham gia', h('h1', null, 'Tỷ lệ tham gia'), pickers, reportSection, missingSection,
      rosters ? rosterSection(unit, rosters.rosters, () => viewParticipation({ isCurrent, param })) : null);
    if (organizations.length) {
      const chart = await shareChart(chartBox, organizations);
      if (chart && !isCurrent()) chart.destroy();
    }
  }

  // ---------- rosters: upload with a check first ----------
  function rosterSection(unit, rosters, refresh) {
    const result = outcome();
    const rows = rosters.map((r) => {
      const remove = h('button', { type: 'button', class: 'btn', 'aria-label': `Xoá danh sách ${r.name}` }, 'Xoá');
      remove.addEventListener('click', () => busy(remove, 'Đang xoá…', async () => {
        const sure = await dialog({
          title: 'Xoá danh sách này?',
          content: h('p', null, `Danh sách “${r.name}” (${fmtNumber(r.people)} người) sẽ bị xoá; số liệu tham gia của cơ quan này không còn được tính.`),
          form: h('form', { method: 'dialog', novalidate: true }),
          buttons: [{ label: 'Xoá danh sách', primary: true, submit: true, value: true }, { label: 'Huỷ', value: false }],
        });
        if (!sure) return;
        try {
          await call('DELETE', `admin/units/${enc(unit)}/rosters/${enc(r.roster_id)}`);
          refresh();
        } catch (e) { result.fail(e.message); }
      }));
      return [r.name, h('code', null, r.roster_id), fmtNumber(r.people), remove];
    });
    const form = h('form', { class: 'form', novalidate: true },
      h('div', { class: 'form-alert alert', role: 'alert', tabindex: '-1', hidden: true }),
      field('name', 'Tên cơ quan, đơn vị', h('input', { type: 'text', maxlength: 200, required: true }), 'Ví dụ: UBND phường Mỏ Chè, Trường THCS Mỏ Chè.'),
      field('roster_id', 'Mã danh sách', h('input', { type: 'text', maxlength: 48, required: true, autocapitalize: 'none', spellcheck: 'false' }),
        'Chữ thường không dấu, số, dấu gạch ngang (ví dụ ubnd-phuong). Tải lên cùng mã sẽ thay danh sách cũ.'),
      field('file', 'Tệp danh sách (.xlsx hoặc .csv)', h('input', { type: 'file', accept: '.xlsx,.csv,text/csv', required: true }),
        'Các cột: full_name, national_id, phone, department (điện thoại và phòng có thể để trống).'));
    const checkButton = h('button', { type: 'submit', class: 'btn' }, 'Kiểm tra tệp');
    const importButton = h('button', { type: 'button', class: 'btn primary', disabled: true }, 'Nhập danh sách');
    const rowErrors = h('div', { 'aria-live': 'polite' });
    form.append(h('p', { class: 'actions' }, checkButton, importButton), rowErrors);
    const path = (dry) => {
      const name = form.elements.name.value.trim();
      return `admin/units/${enc(unit)}/rosters/${enc(form.elements.roster_id.value.trim())}?name=${enc(name)}${dry ? '&dry_run=1' : ''}`;
    };
    const valid = () => check(form, {
      name: () => (form.elements.name.value.trim() ? '' : 'Hãy nhập tên cơ quan, đơn vị.'),
      roster_id: () => (/^[a-z0-9][a-z0-9-]{0,47}$/.test(form.elements.roster_id.value.trim()) ? '' : 'Mã chỉ gồm chữ thường không dấu, số và dấu gạch ngang.'),
      file: () => (form.elements.file.files.length ? '' : 'Hãy chọn tệp danh sách.'),
    });
    const showRows = (checked) => {
      rowErrors.replaceChildren(
        h('p', { class: checked.valid ? 'notice' : 'alert', role: 'status' }, checked.valid
          ? `Tệp hợp lệ: ${fmtNumber(checked.people)} người. Bấm “Nhập danh sách” để lưu.`
          : `Có ${fmtNumber(checked.rows.length)} dòng cần sửa; tệp chưa được nhập.`),
        checked.rows.length ? table('Các dòng cần sửa', ['Dòng', 'Cột', 'Lỗi'],
          checked.rows.flatMap((r) => r.errors.map((e) => [String(r.row), e.column, e.message]))) : '');
    };
    form.addEventListener('input', () => { importButton.disabled = true; });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!valid()) return;
      busy(checkButton, 'Đang kiểm tra…', async () => {
        formAlert(form, null);
        try {
          const checked = await upload('PUT', path(true), form.elements.file.files[0]);
          showRows(checked);
          importButton.disabled = !checked.valid;
        } catch (e) { showApiError(form, e); }
      });
    });
    importButton.addEventListener('click', () => {
      if (!valid()) return;
      busy(importButton, 'Đang nhập…', async () => {
        try {
          const done = await upload('PUT', path(false), form.elements.file.files[0]);
          result.ok(`Đã nhập danh sách “${done.name}”: ${fmtNumber(done.people)} người${done.removed ? `, bỏ ${fmtNumber(done.removed)} người không còn trong danh sách` : ''}.`);
          setTimeout(refresh, 1500);
        } catch (e) {
          if (e.data && e.data.error && e.data.error.rows) showRows({ valid: false, rows: e.data.error.rows });
          showApiError(form, e);
        }
      });
    });
    return h('section', { class: 'card', 'aria-labelledby': 'h-rosters' },
      h('h2', { id: 'h-rosters' }, 'Danh sách cán bộ, giáo viên, người lao động'),
      h('p', null, 'Số CCCD chỉ được lưu dưới dạng mã hoá một chiều kèm 4 chữ số cuối để đối chiếu với người đăng ký dự thi.'),
      rows.length ? table('Các danh sách đã nhập', ['Cơ quan, đơn vị', 'Mã', 'Số người', ''], rows, { rowHeaders: true }) : h('p', null, 'Chưa có danh sách nào.'),
      result,
      h('h3', null, 'Tải lên danh sách'),
      form);
  }

  // ---------- "Xuất Excel" ----------
  async function viewExports({ isCurrent, param }) {
    const contest = await loadContest();
    if (!isCurrent()) return;
    const { unit, own } = unitOf(null, contest);
    const round = param || (contest.rounds.find((r) => ['ranked', 'published'].includes(r.status)) || contest.rounds[0]).id;
    const status = h('p', { class: 'hint', role: 'status' });
    const roundBase = `admin/rounds/${enc(round)}/exports`;
    let unitChoice = unit;
    const unitSelect = own ? null : unitPicker('exports-unit', contest, unit, (u) => { unitChoice = u; });
    const participants = h('button', { type: 'button', class: 'btn' }, 'Người dự thi của phường, xã (.xlsx)');
    participants.addEventListener('click', () => busy(participants, 'Đang tạo tệp…', async () => {
      status.textContent = '';
      try {
        await download(`admin/units/${enc(unitChoice)}/participants.xlsx`, `nguoi-du-thi-${unitChoice}.xlsx`);
        status.textContent = 'Đã tải danh sách người dự thi.';
      } catch (e) { status.textContent = e.message; }
    }));
    show('Xuất Excel', h('h1', null, 'Xuất Excel'),
      h('p', null, own
        ? `Các tệp chỉ có số liệu của ${unitName(own)}; số CCCD được che, trừ 4 chữ số cuối.`
        : 'Tệp xếp hạng có đầy đủ số CCCD và điện thoại để liên hệ người đạt giải: chỉ Ban Tổ chức được tải.'),
      h('section', { class: 'card', 'aria-labelledby': 'h-round-exports' },
        h('h2', { id: 'h-round-exports' }, 'Theo tuần thi'),
        h('p', null, h('label', { for: 'exports-round' }, 'Tuần thi '), roundPicker('exports-round', contest, round, (r) => go(`xuat-excel/${enc(r)}`))),
        h('p', { class: 'actions' },
          downloadButton('Xếp hạng cá nhân (.xlsx)', `${roundBase}/ranking.xlsx`, `xep-hang-${round}.xlsx`, status),
          downloadButton('Xếp hạng tập thể (.xlsx)', `${roundBase}/collective.xlsx`, `xep-hang-tap-the-${round}.xlsx`, status),
          downloadButton('Thống kê theo đơn vị (.xlsx)', `${roundBase}/units.xlsx`, `thong-ke-don-vi-${round}.xlsx`, status)),
        h('p', { class: 'hint' }, 'Xếp hạng có sau khi tuần thi đóng và được xếp hạng. Tệp rất lớn được tạo trong nền rồi tự tải xuống.')),
      h('section', { class: 'card', 'aria-labelledby': 'h-unit-exports' },
        h('h2', { id: 'h-unit-exports' }, 'Theo phường, xã'),
        unitSelect ? h('p', null, h('label', { for: 'exports-unit' }, 'Phường, xã '), unitSelect) : null,
        h('p', { class: 'actions' }, participants)),
      can('audit.read') ? h('section', { class: 'card', 'aria-labelledby': 'h-audit-export' },
        h('h2', { id: 'h-audit-export' }, 'Nhật ký thao tác'),
        h('p', { class: 'actions' }, downloadButton('Nhật ký (.xlsx)', 'admin/audit.xlsx', 'nhat-ky.xlsx', status))) : null,
      status);
  }

  C.defineScreen({ path: 'tham-gia', nav: 'Tham gia', title: 'Tham gia', permissions: ['participation.read', 'rosters.manage'], view: viewParticipation });
  C.defineScreen({ path: 'xuat-excel', nav: 'Xuất Excel', title: 'Xuất Excel', permissions: ['exports.read'], view: viewExports });
})();
