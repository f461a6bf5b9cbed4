/* Trang Ban Tổ chức: giấy chứng nhận của một tuần thi đã công bố kết quả (cá nhân đạt giải; sau
   tuần cuối, giấy khen các tập thể đạt giải), tải từng giấy hoặc cả tuần (PDF) để in.
   GET admin/rounds/{id}/certificates, …/certificates.pdf, …/certificates/{code}.pdf. */
(() => {
  'use strict';

  const C = window.scConsole;
  const { h, call, downloadButton, show, errorBox, table, fmtNumber, loadContest, roundName, go } = C;

  const KINDS = { individual: 'Giấy chứng nhận cá nhân', collective: 'Giấy khen tập thể' };


  async function view({ isCurrent, param }) {
    const contest = await loadContest();
    const published = contest.rounds.filter((r) => r.status === 'published');
    if (!isCurrent()) return;
    const roundId = param || (published.length ? published[published.length - 1].id : null);
    const picker = h('select', { id: 'certificates-round', onchange: (e) => go(`giay-chung-nhan/${e.target.value}`) },
      contest.rounds.map((r) => h('option', { value: r.id, selected: r.id === roundId }, r.name)));
    const head = [h('h1', null, 'Giấy chứng nhận'),
      h('p', null, h('label', { for: 'certificates-round' }, 'Tuần thi '), picker)];
    if (!roundId) {
      show('Giấy chứng nhận', ...head, h('p', null, 'Chưa có tuần thi nào công bố kết quả: giấy chứng nhận có sau khi công bố.'));
      return;
    }
    let certificates;
    try {
      certificates = await call('GET', `admin/rounds/${encodeURIComponent(roundId)}/certificates`);
    } catch (e) {
      if (!isCurrent() || e.code === 'UNAUTHORIZED') return;
      show('Giấy chứng nhận', ...head, errorBox(e, e.retryable ? () => view({ isCurrent, param: roundId }) : null));
      return;
    }
    if (!isCurrent()) return;
    const status = h('p', { class: 'hint', role: 'status' });
    const base = `admin/rounds/${encodeURIComponent(roundId)}/certificates`;
    const all = downloadButton('Tải cả tuần để in (PDF)', `${base}.pdf`, `giay-chung-nhan-${roundId}.pdf`, status);
    all.classList.add('primary');
    const rows = certificates.map((c) => {
      const nameId = `cert-${c.code}`;
      return [
        h('span', { id: nameId }, h('strong', null, c.name), c.kind === 'individual' ? h('br') : null,
          c.kind === 'individual' ? c.unit : null),
        `${c.prize_name}${c.kind === 'collective' ? ' (tập thể)' : ''}`,
        KINDS[c.kind] || c.kind,
        h('a', { href: window.scCommon.apiUrl(`verify/${encodeURIComponent(c.code)}`), target: '_blank', rel: 'noopener' }, h('code', null, c.code)),
        downloadButton('Tải PDF', `${base}/${encodeURIComponent(c.code)}.pdf`, `giay-chung-nhan-${roundId}-${c.code}.pdf`, status, nameId),
      ];
    });
    const collective = certificates.filter((c) => c.kind === 'collective').length;
    show('Giấy chứng nhận', ...head,
      h('p', null, `${roundName(roundId)}: ${fmtNumber(certificates.length - collective)} giấy chứng nhận cá nhân`,
        collective ? `, ${fmtNumber(collective)} giấy khen tập thể` : '',
        '. Nội dung lấy từ kết quả đã công bố; mỗi giấy có mã xác minh và mã QR dẫn đến trang kiểm tra công khai.'),
      certificates.length ? h('p', { class: 'actions' }, all) : null, status,
      certificates.length
        ? table('Giấy chứng nhận của tuần thi', ['Người hoặc tập thể đạt giải', 'Giải', 'Loại', 'Mã xác minh', 'Tệp'], rows)
        : h('p', null, 'Tuần thi này không có người đạt giải.'));
  }

  C.defineScreen({ path: 'giay-chung-nhan', nav: 'Giấy chứng nhận', title: 'Giấy chứng nhận', permissions: ['certificates.read'], view });
})();
