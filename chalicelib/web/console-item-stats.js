/* Trang Ban Tổ chức: thống kê câu hỏi của một tuần thi đã đóng (tỉ lệ đúng, độ phân biệt, số lần
   chọn từng phương án), các câu cần xem lại trước, tải về Excel. GET admin/rounds/{id}/item-statistics. */
(() => {
  'use strict';

  const C = window.scConsole;
  const { h, call, downloadButton, show, errorBox, table, fmtNumber, loadContest, roundName, go } = C;

  const FLAGS = {
    too_easy: 'Quá dễ: trên 95% trả lời đúng',
    too_hard: 'Quá khó: dưới 20% trả lời đúng',
    low_discrimination: 'Độ phân biệt thấp: người làm tốt cả bài không làm tốt câu này hơn',
    unchosen_distractor: 'Có phương án nhiễu không ai chọn',
  };
  const LETTERS = 'ABCDEFGH';
  const percent = (x) => (x == null ? '–' : `${(x * 100).toLocaleString('vi-VN', { maximumFractionDigits: 1 })}%`);
  const decimal = (x) => (x == null ? '–' : x.toLocaleString('vi-VN', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));

  function optionsCell(item) {
    return h('span', { class: 'option-counts' }, item.options.map((o, i) => h('span', { class: o.correct ? 'option-correct' : null },
      `${LETTERS[i]}${o.correct ? ' (đúng)' : ''}: ${fmtNumber(o.chosen)}`, i < item.options.length - 1 ? ' · ' : '')),
      item.unanswered ? ` · bỏ trống: ${fmtNumber(item.unanswered)}` : '');
  }

  async function view({ isCurrent, param }) {
    const contest = await loadContest();
    // The latest round already ranked or published; else the latest whose time is up (the
    // schedule closes it within minutes: until then the server says so).
    const done = contest.rounds.filter((r) => ['ranked', 'published'].includes(r.status));
    const closed = done.length ? done : contest.rounds.filter((r) => !['scheduled', 'open'].includes(r.status));
    if (!isCurrent()) return;
    const roundId = param || (closed.length ? closed[closed.length - 1].id : null);
    const picker = h('select', { id: 'item-stats-round', onchange: (e) => go(`thong-ke-cau-hoi/${e.target.value}`) },
      contest.rounds.map((r) => h('option', { value: r.id, selected: r.id === roundId }, r.name)));
    const head = [h('h1', null, 'Thống kê câu hỏi'),
      h('p', null, h('label', { for: 'item-stats-round' }, 'Tuần thi '), picker)];
    if (!roundId) {
      show('Thống kê câu hỏi', ...head, h('p', null, 'Chưa có tuần thi nào kết thúc: thống kê có sau khi tuần thi đóng.'));
      return;
    }
    let report;
    try {
      report = await call('GET', `admin/rounds/${encodeURIComponent(roundId)}/item-statistics`);
    } catch (e) {
      if (!isCurrent() || e.code === 'UNAUTHORIZED') return;
      show('Thống kê câu hỏi', ...head, errorBox(e, e.retryable ? () => view({ isCurrent, param: roundId }) : null));
      return;
    }
    if (!isCurrent()) return;
    const flagged = report.items.filter((i) => i.flags.length);
    const status = h('p', { class: 'hint', role: 'status' });
    const excel = downloadButton('Tải về Excel', `admin/rounds/${encodeURIComponent(roundId)}/item-statistics.xlsx`,
      `thong-ke-cau-hoi-${roundId}.xlsx`, status);
    const rows = (items) => items.map((item) => [
      h('span', null, h('strong', null, item.question_id), item.version > 1 ? ` (phiên bản ${item.version})` : '', h('br'), item.text),
      fmtNumber(item.drawn),
      percent(item.facility),
      decimal(item.discrimination),
      optionsCell(item),
      item.flags.length ? h('ul', { class: 'flags' }, item.flags.map((f) => h('li', null, FLAGS[f] || f))) : 'Không',
    ]);
    const headers = ['Câu hỏi', 'Số lần ra đề', 'Tỉ lệ đúng', 'Độ phân biệt', 'Số lần chọn', 'Cần xem lại'];
    show('Thống kê câu hỏi', ...head,
      h('p', null, `${roundName(roundId)}: ${fmtNumber(report.attempts)} lượt thi đã nộp, ${fmtNumber(report.items.length)} câu hỏi đã ra. `,
        'Tỉ lệ đúng là phần người trả lời đúng; độ phân biệt (từ −1 đến 1) cho biết người làm tốt cả bài có làm tốt câu này hơn không. ',
        `Chỉ đánh dấu câu đã ra từ 20 lần trở lên.`),
      h('p', { class: 'actions' }, excel), status,
      h('h2', null, `Câu cần xem lại trước (${fmtNumber(flagged.length)})`),
      flagged.length ? table('Câu cần xem lại', headers, rows(flagged)) : h('p', null, 'Không có câu nào cần xem lại.'),
      h('h2', null, 'Mọi câu đã ra'),
      table('Thống kê từng câu', headers, rows(report.items)));
  }

  C.defineScreen({ path: 'thong-ke-cau-hoi', nav: 'Thống kê câu hỏi', title: 'Thống kê câu hỏi', permissions: ['questions.read'], view });
})();
