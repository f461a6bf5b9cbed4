/* What the participant page (app.js) and the organizer console (console.js) share: the element
   helper, Vietnam-time formatting, the JSON API client and its fallback messages. Loaded first
   (a plain deferred script), it defines window.scCommon and nothing else. */
(() => {
  'use strict';

  const $ = (sel, root = document) => root.querySelector(sel);
  const enc = encodeURIComponent;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const pad = (n) => String(n).padStart(2, '0');

  // h('p', {class: 'x', onclick: fn, hidden: true}, 'text', child, [more]) → element.
  // Attributes go through setAttribute (never `style`: the CSP forbids inline styles).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value == null || value === false) continue;
      if (typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (key === 'class') el.className = value;
      else if (key === 'value' || key === 'checked') el[key] = value;
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child != null && child !== false) el.append(child.nodeType ? child : String(child));
    }
    return el;
  }

  // ---------- Vietnam time ----------
  // Vietnam is UTC+7 all year, so times are shown without relying on the device's time zone.
  const VN_OFFSET_MS = 7 * 3600 * 1000;
  function vnParts(ms) {
    const d = new Date(ms + VN_OFFSET_MS);
    return { day: d.getUTCDate(), month: d.getUTCMonth() + 1, year: d.getUTCFullYear(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
  }
  // "16:30 ngày 19/12/2021" (with seconds: "16:30:05 ngày 19/12/2021").
  function fmtDateTime(iso, withSeconds) {
    if (!iso) return '';
    const p = vnParts(Date.parse(iso));
    const time = `${pad(p.hour)}:${pad(p.minute)}${withSeconds ? `:${pad(p.second)}` : ''}`;
    return `${time} ngày ${pad(p.day)}/${pad(p.month)}/${p.year}`;
  }
  // The short form of lists: "16:30 19/12/2021".
  function fmtShort(iso) {
    if (!iso) return '';
    const p = vnParts(Date.parse(iso));
    return `${pad(p.hour)}:${pad(p.minute)} ${pad(p.day)}/${pad(p.month)}/${p.year}`;
  }
  function fmtDuration(ms) {
    if (ms == null) return '';
    const s = Math.round(ms / 1000);
    return s >= 60 ? `${Math.floor(s / 60)} phút ${s % 60} giây` : `${s} giây`;
  }
  const fmtNumber = (n) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  const fmtDecimal = (n) => String(n).replace('.', ',');

  // ---------- API ----------
  // Built-in texts, only for replies that carry no Vietnamese `error.message` of their own
  // (a network failure, a gateway's 429 or 5xx). Each page adds its own codes.
  const MESSAGES = Object.freeze({
    NETWORK: 'Không kết nối được máy chủ. Hãy kiểm tra mạng rồi thử lại.',
    GENERIC: 'Đã có lỗi xảy ra. Vui lòng thử lại.',
    VALIDATION_ERROR: 'Thông tin chưa hợp lệ.',
    SERVICE_BUSY: 'Hệ thống đang bận, vui lòng thử lại sau ít giây.',
    TOO_MANY_ATTEMPTS: 'Bạn thao tác quá nhiều lần. Vui lòng thử lại sau ít phút.',
    HTTP_429: 'Hệ thống đang bận, vui lòng thử lại sau ít giây.',
  });

  class ApiError extends Error {
    constructor(code, message, status, field) {
      super(message);
      Object.assign(this, { code, status, field });
    }
    get retryable() { return this.code === 'NETWORK' || this.status >= 500 || this.status === 429 || this.status === 408; }
  }

  // A JSON client for one page:
  //   messages       fallbacks by code (NETWORK and GENERIC at least);
  //   token()        the bearer token sent with `{auth: true}` requests, or null;
  //   onResponse(res, sentAt, receivedAt)  sees every HTTP reply (the page's clock);
  //   onUnauthorized(error)  a 401 to an `{auth: true}` request (the error is still thrown).
  // api(method, path, body, {auth, keepalive}) → {data, status, sentAt, receivedAt}; a refusal
  // throws ApiError(code, the server's message or a fallback, status, field). Every request
  // with a body is JSON: the API answers 415 to anything else.
  // Where the API is, relative to the page: the page itself locally (""), "api/" behind the CDN,
  // where the pages come from S3 and the API from API Gateway (docs/deploy.md).
  const API_BASE = (document.querySelector('meta[name="api-base"]') || {}).content || '';
  const apiUrl = (path) => API_BASE + path;

  function createApi({ messages = MESSAGES, token = () => null, onResponse = null, onUnauthorized = null } = {}) {
    return async function api(method, path, body, opts = {}) {
      const headers = { Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const bearer = opts.auth ? token() : null;
      if (bearer) headers.Authorization = `Bearer ${bearer}`;
      const sentAt = Date.now();
      let res;
      try {
        res = await fetch(apiUrl(path), {
          method, headers, cache: 'no-store', keepalive: !!opts.keepalive,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (e) {
        throw new ApiError('NETWORK', messages.NETWORK, 0);
      }
      const receivedAt = Date.now();
      if (onResponse) onResponse(res, sentAt, receivedAt);
      let data = null;
      try { data = await res.json(); } catch (e) { /* empty body */ }
      if (!res.ok) {
        const err = (data && data.error) || {};
        const code = err.code || (res.status >= 500 ? 'SERVER' : `HTTP_${res.status}`);
        const error = new ApiError(code, err.message || messages[code] || messages.GENERIC, res.status, err.field);
        if (res.status === 401 && opts.auth && onUnauthorized) onUnauthorized(error);
        throw error;
      }
      return { data, status: res.status, sentAt, receivedAt };
    };
  }

  // A form field's error: the message under it, and aria-invalid on its controls.
  function setFieldError(form, name, message) {
    const wrap = form.querySelector(`[data-field="${name}"]`);
    if (!wrap) return false;
    const errorEl = wrap.querySelector('.field-error');
    errorEl.textContent = message || '';
    errorEl.hidden = !message;
    wrap.classList.toggle('invalid', !!message);
    wrap.querySelectorAll('input, select, textarea').forEach((c) => {
      if (message) c.setAttribute('aria-invalid', 'true'); else c.removeAttribute('aria-invalid');
    });
    return true;
  }

  window.scCommon = Object.freeze({
    $, enc, sleep, pad, h,
    VN_OFFSET_MS, vnParts, fmtDateTime, fmtShort, fmtDuration, fmtNumber, fmtDecimal,
    MESSAGES, ApiError, createApi, apiUrl, setFieldError,
  });
})();
