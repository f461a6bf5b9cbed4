/* Trang Ban Tổ chức: "Ngân hàng câu hỏi" (lọc, tìm, xem, thêm, sửa, ngừng dùng câu hỏi; nhập từ
   Excel/CSV có kiểm tra trước; tải tệp mẫu và xuất cả ngân hàng ra .xlsx).
   GET/POST admin/questions, GET/PUT admin/questions/{id}, POST admin/questions/{id}/retire,
   POST admin/questions/import[?dry_run=1], GET admin/questions/template.(csv|xlsx), export.xlsx. */
(() => {
  'use strict';

  const C = window.scConsole;
  const {
    h, call, downloadButton, upload, show, errorBox, table, busy, outcome, field, check, formAlert, showApiError,
    loadContest, fmtNumber, go, can, enc, dialog,
  } = C;

  const KINDS = { content: 'Nội dung', metadata: 'Số hiệu, ngày, cơ quan, tên' };
  const STATES = { active: 'Đang dùng', retired: 'Ngừng dùng' };
  const LETTERS = ['A', 'B', 'C', 'D'];
  const OPTION_FIELDS = ['option_a', 'option_b', 'option_c', 'option_d'];
  const PAGE = 25; // a phone lists this many at a time ("Hiện thêm" for the next ones)

  const select = (id, name, choices, current, all) => h('select', { id, name },
    all ? h('option', { value: '', selected: !current }, all) : null,
    Object.entries(choices).map(([value, label]) => h('option', { value, selected: value === current }, label)));

  // The filters live in the hash: #/cau-hoi/document=…&kind=…&state=…&q=…
  const parseFilters = (param) => Object.fromEntries(new URLSearchParams(param || ''));
  const filterRoute = (filters) => {
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v)).toString();
    return query ? `cau-hoi/${query}` : 'cau-hoi';
  };


  // ---------- the list ----------
  async function viewBank({ isCurrent, param }) {
    const contest = await loadContest();
    if (!isCurrent()) return;
    const filters = parseFilters(param);
    const documents = Object.fromEntries(contest.documents.map((d) => [d.id, d.id]));
    const title = (id) => (contest.documents.find((d) => d.id === id) || { title: id }).title;
    let questions;
    try {
      questions = await call('GET', `admin/questions?${new URLSearchParams(filters)}`);
    } catch (e) {
      if (!isCurrent() || e.code === 'UNAUTHORIZED') return;
      show('Ngân hàng câu hỏi', h('h1', null, 'Ngân hàng câu hỏi'), errorBox(e, () => viewBank({ isCurrent, param })));
      return;
    }
    if (!isCurrent()) return;
    const manage = can('questions.manage');
    const refresh = () => viewBank({ isCurrent, param });
    const result = outcome();
    const status = h('p', { class: 'hint', role: 'status' });

    const search = h('input', { type: 'search', id: 'bank-q', name: 'q', value: filters.q || '', autocomplete: 'off' });
    const filterForm = h('form', { class: 'filters', role: 'search', 'aria-label': 'Lọc câu hỏi' },
      h('p', null, h('label', { for: 'bank-document' }, 'Văn bản '), select('bank-document', 'document', documents, filters.document, 'Tất cả văn bản')),
      h('p', null, h('label', { for: 'bank-kind' }, 'Loại '), select('bank-kind', 'kind', KINDS, filters.kind, 'Mọi loại')),
      h('p', null, h('label', { for: 'bank-state' }, 'Trạng thái '), select('bank-state', 'state', STATES, filters.state, 'Mọi trạng thái')),
      h('p', null, h('label', { for: 'bank-q' }, 'Tìm (không cần dấu) '), search),
      h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'btn' }, 'Lọc')));
    filterForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const el = filterForm.elements;
      go(filterRoute({ document: el.document.value, kind: el.kind.value, state: el.state.value, q: el.q.value.trim() }));
    });

    const content = questions.filter((q) => q.kind === 'content').length;
    const row = (q) => {
      const label = manage ? 'Xem, sửa' : 'Xem';
      const open = h('button', { type: 'button', class: 'btn', 'aria-label': `${label} câu ${q.id}` }, label);
      open.addEventListener('click', () => openQuestion(q.id, contest, result, refresh));
      return [h('code', null, q.id), q.text, q.document_id, KINDS[q.kind] || q.kind, String(q.version), STATES[q.state] || q.state, open];
    };
    const listBox = h('div');
    const showList = (count) => {
      const more = h('button', { type: 'button', class: 'btn' }, `Hiện thêm ${fmtNumber(Math.min(PAGE, questions.length - count))} câu`);
      more.addEventListener('click', () => {
        showList(count + PAGE);
        const next = listBox.querySelectorAll('tbody tr')[count];
        if (next) next.querySelector('button').focus();
      });
      listBox.replaceChildren(...[
        questions.length
          ? table('Câu hỏi', ['Mã', 'Câu hỏi', 'Văn bản', 'Loại', 'Phiên bản', 'Trạng thái', ''], questions.slice(0, count).map(row), { rowHeaders: true })
          : h('p', null, 'Không có câu hỏi nào khớp bộ lọc.'),
        questions.length > count ? h('p', { class: 'actions' }, more, h('span', { class: 'hint' }, ` Đang hiện ${fmtNumber(count)}/${fmtNumber(questions.length)} câu.`)) : null,
      ].filter(Boolean));
    };
    showList(PAGE);
    const addButton = manage ? h('button', { type: 'button', class: 'btn primary' }, 'Thêm câu hỏi') : null;
    if (addButton) addButton.addEventListener('click', () => editDialog(null, contest, result, refresh));

    show('Ngân hàng câu hỏi', h('h1', null, 'Ngân hàng câu hỏi'),
      filterForm,
      h('section', { class: 'card', 'aria-labelledby': 'h-bank-list' },
        h('h2', { id: 'h-bank-list' }, `${fmtNumber(questions.length)} câu hỏi`),
        h('p', null, `Câu hỏi nội dung: ${fmtNumber(content)}; câu hỏi về số hiệu, ngày, cơ quan, tên văn bản: ${fmtNumber(questions.length - content)}.`),
        filters.document ? h('p', { class: 'hint' }, title(filters.document)) : null,
        h('p', { class: 'actions' }, addButton, downloadButton('Xuất ngân hàng (.xlsx)', 'admin/questions/export.xlsx', 'ngan-hang-cau-hoi.xlsx', status)),
        result,
        listBox,
        status),
      manage ? importSection(refresh, status) : null);
  }

  // ---------- view, create, edit, retire ----------
  async function openQuestion(id, contest, result, refresh) {
    let question;
    try {
      question = await call('GET', `admin/questions/${enc(id)}`);
    } catch (e) { result.fail(e.message); return; }
    if (can('questions.manage')) { editDialog(question, contest, result, refresh); return; }
    await dialog({
      title: `Câu ${question.id}`,
      content: questionDetails(question),
      buttons: [{ label: 'Đóng', value: null }],
    });
  }

  function questionDetails(question) {
    return [
      h('p', null, question.text),
      h('ol', { type: 'A' }, question.options.map((o) => h('li', null, o.text, o.id === question.correct_option_id ? h('strong', null, ' (đáp án)') : null))),
      h('p', { class: 'hint' }, `Nguồn: ${question.source}. Phiên bản ${question.version}, ${STATES[question.state] || question.state}.`),
    ];
  }

  function editDialog(question, contest, result, refresh) {
    const creating = !question;
    const q = question || { document_id: contest.documents[0].id, kind: 'content', text: '', options: [], source: '', exclusion_group: '' };
    const correct = creating ? '' : q.correct_option_id;
    const documents = Object.fromEntries(contest.documents.map((d) => [d.id, `${d.id} – ${d.title.slice(0, 60)}`]));
    const key = h('fieldset', { class: 'field', 'data-field': 'correct' },
      h('legend', null, 'Phương án đúng'),
      LETTERS.map((letter, i) => h('label', { class: 'check' },
        h('input', { type: 'radio', name: 'correct', value: String(i), checked: correct === String(i) }), ` ${letter}`)),
      h('p', { class: 'field-error', hidden: true }));
    const form = h('form', { class: 'form', novalidate: true },
      creating ? field('id', 'Mã câu hỏi', h('input', { type: 'text', maxlength: 64, required: true, autocapitalize: 'none', spellcheck: 'false' }),
        'Chữ không dấu, số, dấu chấm, gạch ngang; ví dụ nd-61-2018-45.') : null,
      field('document_id', 'Văn bản', select(null, 'document_id', documents, q.document_id)),
      field('kind', 'Loại câu hỏi', select(null, 'kind', KINDS, q.kind)),
      field('text', 'Câu hỏi', h('textarea', { rows: 3, maxlength: 1000, required: true, value: q.text }), 'Không được chứa sẵn đáp án.'),
      OPTION_FIELDS.map((name, i) => field(name, `Phương án ${LETTERS[i]}`,
        h('input', { type: 'text', maxlength: 400, required: true, value: (q.options[i] || {}).text || '' }))),
      key,
      field('source', 'Nguồn', h('input', { type: 'text', maxlength: 300, required: true, value: q.source }), 'Văn bản, điều, khoản; ví dụ: Nghị định 61/2018/NĐ-CP, Điều 18 khoản 2.'),
      field('exclusion_group', 'Nhóm loại trừ (tuỳ chọn)', h('input', { type: 'text', maxlength: 64, value: q.exclusion_group || '', autocapitalize: 'none', spellcheck: 'false' }),
        'Các câu cùng nhóm không xuất hiện trong cùng một lượt thi.'),
      creating ? null : h('p', { class: 'hint' }, `Phiên bản hiện tại: ${q.version} (${STATES[q.state] || q.state}). Sửa câu hỏi tạo phiên bản mới; lượt thi đã làm vẫn được chấm theo phiên bản đã hiển thị.`),
      creating || !q.versions || q.versions.length < 2 ? null : h('details', null,
        h('summary', null, `Các phiên bản trước (${q.versions.length - 1})`),
        q.versions.slice(1).map((v) => h('div', { class: 'card' }, h('h3', null, `Phiên bản ${v.version}`), questionDetails(v)))));
    const value = (name) => (form.elements[name] ? form.elements[name].value.trim() : '');
    const body = () => {
      const chosen = form.querySelector('input[name="correct"]:checked');
      return {
        ...(creating ? { id: value('id') } : { version: q.version }),
        document_id: value('document_id'),
        kind: value('kind'),
        text: value('text'),
        options: OPTION_FIELDS.map((name, i) => ({ text: value(name), correct: !!chosen && chosen.value === String(i) })),
        source: value('source'),
        exclusion_group: value('exclusion_group') || null,
      };
    };
    const required = (name, message) => () => (value(name) ? '' : message);
    const buttons = [{
      label: creating ? 'Thêm câu hỏi' : 'Lưu phiên bản mới', primary: true, submit: true, busyLabel: 'Đang lưu…',
      work: async () => {
        const ok = check(form, {
          ...(creating ? { id: required('id', 'Hãy nhập mã câu hỏi.') } : {}),
          text: required('text', 'Hãy nhập câu hỏi.'),
          ...Object.fromEntries(OPTION_FIELDS.map((name, i) => [name, required(name, `Hãy nhập phương án ${LETTERS[i]}.`)])),
          correct: () => (form.querySelector('input[name="correct"]:checked') ? '' : 'Hãy chọn phương án đúng.'),
          source: required('source', 'Hãy ghi nguồn của câu hỏi.'),
        });
        if (!ok) return false;
        const saved = creating
          ? await call('POST', 'admin/questions', body())
          : await call('PUT', `admin/questions/${enc(q.id)}`, body());
        return saved;
      },
    }];
    if (!creating && q.state === 'active') buttons.push({ label: 'Ngừng dùng câu này', value: 'retire' });
    buttons.push({ label: 'Huỷ', value: null });
    dialog({ title: creating ? 'Thêm câu hỏi' : `Sửa câu ${q.id}`, form, buttons }).then(async (done) => {
      if (done === 'retire') { retire(q, result, refresh); return; }
      if (!done) return;
      result.ok(creating ? `Đã thêm câu ${done.id}.` : `Đã lưu câu ${done.id}, phiên bản ${done.version}.`);
      setTimeout(refresh, 1200);
    });
  }

  async function retire(question, result, refresh) {
    const sure = await dialog({
      title: `Ngừng dùng câu ${question.id}?`,
      content: h('p', null, 'Câu này sẽ không còn xuất hiện trong lượt thi mới; các lượt thi đã làm vẫn được chấm theo câu này.'),
      form: h('form', { method: 'dialog', novalidate: true }),
      buttons: [{ label: 'Ngừng dùng', primary: true, submit: true, value: true }, { label: 'Huỷ', value: false }],
    });
    if (!sure) return;
    try {
      await call('POST', `admin/questions/${enc(question.id)}/retire`, {});
      result.ok(`Đã ngừng dùng câu ${question.id}.`);
      setTimeout(refresh, 1200);
    } catch (e) { result.fail(e.message); }
  }

  // ---------- import: a dry run first, then apply ----------
  function importSection(refresh, status) {
    const result = outcome();
    const form = h('form', { class: 'form', novalidate: true },
      h('div', { class: 'form-alert alert', role: 'alert', tabindex: '-1', hidden: true }),
      field('file', 'Tệp câu hỏi (.xlsx hoặc .csv)', h('input', { type: 'file', accept: '.xlsx,.csv,text/csv', required: true }),
        'Theo tệp mẫu: id, document_id, kind, text, option_a … option_d, correct (A–D), source, exclusion_group. Mã đã có: câu đó được sửa thành phiên bản mới.'));
    const checkButton = h('button', { type: 'submit', class: 'btn' }, 'Kiểm tra tệp');
    const importButton = h('button', { type: 'button', class: 'btn primary', disabled: true }, 'Nhập câu hỏi');
    const report = h('div', { 'aria-live': 'polite' });
    form.append(h('p', { class: 'actions' }, checkButton, importButton), report);
    const file = () => form.elements.file.files[0];
    const path = (dry) => `admin/questions/import?name=${enc(file().name)}${dry ? '&dry_run=1' : ''}`;
    const showRows = (checked) => {
      const bad = checked.rows.filter((r) => r.errors.length);
      report.replaceChildren(...[
        h('p', { class: checked.valid ? 'notice' : 'alert', role: 'status' }, checked.valid
          ? `Tệp hợp lệ: sẽ thêm ${fmtNumber(checked.added)} câu, sửa ${fmtNumber(checked.changed)} câu. Bấm “Nhập câu hỏi” để lưu.`
          : `Có ${fmtNumber(bad.length)} dòng cần sửa; chưa câu nào được nhập.`),
        bad.length ? table('Các dòng cần sửa', ['Dòng', 'Mã', 'Cột', 'Lỗi'],
          bad.flatMap((r) => r.errors.map((e) => [String(r.row), r.id || '—', e.column || '—', e.message]))) : null,
      ].filter(Boolean));
    };
    form.addEventListener('input', () => { importButton.disabled = true; });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!check(form, { file: () => (file() ? '' : 'Hãy chọn tệp câu hỏi.') })) return;
      busy(checkButton, 'Đang kiểm tra…', async () => {
        formAlert(form, null);
        try {
          const checked = await upload('POST', path(true), file());
          showRows(checked);
          importButton.disabled = !checked.valid || !(checked.added + checked.changed);
        } catch (e) { showApiError(form, e); }
      });
    });
    importButton.addEventListener('click', () => busy(importButton, 'Đang nhập…', async () => {
      try {
        const done = await upload('POST', path(false), file());
        report.replaceChildren();
        result.ok(`Đã nhập: thêm ${fmtNumber(done.added)} câu, sửa ${fmtNumber(done.changed)} câu.`);
        setTimeout(refresh, 1500);
      } catch (e) {
        if (e.data && e.data.rows) showRows(e.data);
        showApiError(form, e);
      }
    }));
    return h('section', { class: 'card', 'aria-labelledby': 'h-bank-import' },
      h('h2', { id: 'h-bank-import' }, 'Nhập câu hỏi từ Excel hoặc CSV'),
      h('p', null, 'Tệp được kiểm tra toàn bộ trước; chỉ khi mọi dòng đều hợp lệ thì câu hỏi mới được lưu, một lần cho cả tệp.'),
      h('p', { class: 'actions' },
        downloadButton('Tệp mẫu (.xlsx)', 'admin/questions/template.xlsx', 'mau-cau-hoi.xlsx', status),
        downloadButton('Tệp mẫu (.csv)', 'admin/questions/template.csv', 'mau-cau-hoi.csv', status)),
      result,
      form);
  }

  C.defineScreen({ path: 'cau-hoi', nav: 'Ngân hàng câu hỏi', title: 'Ngân hàng câu hỏi', permissions: ['questions.read', 'questions.manage'], view: viewBank });
})();
