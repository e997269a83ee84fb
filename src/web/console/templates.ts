import { Eta } from 'eta/core';
import { WEB_FORM, WEB_FORM_CSS, WEB_FORM_FIELDS } from './form-template.js';

/**
 * The console's HTML: Eta templates (escaped by default: `<%= %>` escapes, `<%~ %>` is only used for HTML built
 * here), compiled once at start. Server-rendered, no script: phone-first (one column at 390 px, two on a desktop),
 * a skip link, one h1 per page, labelled form fields, and colours at WCAG AA contrast or better.
 */
const CSS = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,"Noto Sans TC",sans-serif;line-height:1.6;color:#1a1a1a;background:#f5f6f8;font-size:1rem}
a{color:#0b57d0}a:focus-visible,button:focus-visible,select:focus-visible,input:focus-visible,summary:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem}.skip:focus{left:.5rem;z-index:2}
.skip-text{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
header.top{background:#16324f;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;justify-content:space-between}
header.top a,header.top .brand{color:#fff;font-weight:700;text-decoration:none}
.who{display:flex;gap:.6rem;align-items:center;font-size:.9rem}
.who form{margin:0}
button{font:inherit;font-size:1rem;padding:.45rem 1rem;border-radius:.4rem;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer;min-height:44px}
button.quiet{background:#fff;color:#16324f;border-color:#fff}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.5rem 0}h2{font-size:1.15rem;margin:1.4rem 0 .5rem}h3{font-size:1rem;margin:.8rem 0 .3rem}
.sub{color:#4a4a4a;margin:.2rem 0 1rem}
.panel{background:#fff;border:1px solid #d0d4da;border-radius:.5rem;padding:.8rem 1rem;margin:.8rem 0}
.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end}
.filters div{display:flex;flex-direction:column}
label{font-weight:600;font-size:.9rem}
select,input{font:inherit;padding:.4rem;border:1px solid #6b7280;border-radius:.3rem;min-height:44px;background:#fff;color:#1a1a1a}
ul.cards{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:1fr;gap:.8rem}
@media (min-width:48rem){ul.cards{grid-template-columns:1fr 1fr}.cols{display:grid;grid-template-columns:1fr 1fr;gap:0 1.2rem}}
.card{background:#fff;border:1px solid #d0d4da;border-left:.4rem solid #5b6b7f;border-radius:.5rem;padding:.7rem 1rem}
.card.overdue{border-left-color:#b3261e}.card.closed{border-left-color:#1e6b32}
.card h2,.card h3{margin:.1rem 0 .3rem;font-size:1.05rem}
dl{margin:.3rem 0;display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem}
dt{color:#4a4a4a;font-weight:600}dd{margin:0;overflow-wrap:anywhere;white-space:pre-wrap}
.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.85rem;background:#e8eaed;color:#1a1a1a;margin-right:.3rem}
.danger{color:#b3261e;font-weight:700}.badge.danger{background:#fde7e9;color:#8c1d18}
.badge.ok{background:#e6f4ea;color:#1e5631}.badge.warn{background:#fff4d6;color:#6b4500}
ol.items,ul.plain{padding-left:1.2rem;margin:.3rem 0}ol.items li,ul.plain li{margin:.35rem 0}
.muted{color:#4a4a4a;font-size:.9rem}
.notice-text{white-space:pre-wrap;background:#f8f9fa;border:1px solid #d0d4da;padding:.6rem;border-radius:.3rem;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:.95rem}th,td{text-align:left;padding:.35rem .4rem;border-bottom:1px solid #e1e4e8;vertical-align:top}
.table-wrap{overflow-x:auto}
nav.toc ul{list-style:none;display:flex;flex-wrap:wrap;gap:.3rem .5rem;padding:0;margin:0}nav.toc a{display:inline-block;padding:.35rem .7rem;border:1px solid #c3c8cf;border-radius:1rem;background:#fff;text-decoration:none;min-height:44px;line-height:1.9}
.flash{border-radius:.4rem;padding:.6rem 1rem;margin:.5rem 0;font-weight:600;border:1px solid}.flash.ok{background:#e6f4ea;color:#1e5631;border-color:#1e5631}.flash.error{background:#fde7e9;color:#8c1d18;border-color:#8c1d18}
.acts{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-start;margin:.6rem 0}.acts form{margin:0}.acts .review{flex-basis:100%;display:flex;flex-direction:column;gap:.4rem}
.pager{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;margin:.6rem 0}.pager a{display:inline-block;min-height:44px;line-height:44px;padding:0 .4rem}
a.button{display:inline-block;padding:.45rem 1rem;border-radius:.4rem;border:1px solid #0b57d0;background:#fff;color:#0b57d0;text-decoration:none;min-height:44px;line-height:1.6}
button.danger{background:#b3261e;border-color:#b3261e;color:#fff}button.plain{background:#fff;color:#0b57d0}
form.tick{display:flex;flex-direction:column;gap:.2rem;margin:.3rem 0 .6rem}form.tick .acts{margin:.2rem 0}
textarea{font:inherit;width:100%;padding:.5rem;border:1px solid #6b7280;border-radius:.3rem;background:#fff;color:#1a1a1a}
textarea:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
fieldset{border:1px solid #d0d4da;border-radius:.4rem;margin:.4rem 0;padding:.4rem .8rem}legend{font-weight:600;font-size:.9rem}
.checks{display:flex;flex-wrap:wrap;gap:.2rem 1rem}.checks label{font-weight:400;display:flex;align-items:center;gap:.3rem;min-height:44px}
.checks input{min-height:auto;width:1.2rem;height:1.2rem}.grid2{display:grid;grid-template-columns:1fr;gap:.4rem 1rem}@media (min-width:48rem){.grid2{grid-template-columns:1fr 1fr}}
.field{display:flex;flex-direction:column;margin:.3rem 0}
ins{background:#e6f4ea;color:#1e5631;text-decoration:underline}del{background:#fde7e9;color:#8c1d18;text-decoration:line-through}
main>p.flash{white-space:pre-line}.record{font-weight:700}.record.ok{color:#1e5631}.record.bad{color:#8c1d18}
`;

const LAYOUT = `<!doctype html>
<html lang="zh-Hant-TW"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><meta name="referrer" content="no-referrer"><title><%= it.title %>｜<%= it.plain ? '個資事件通報' : '個資事件主控台' %></title>
<style>${CSS}${WEB_FORM_CSS}</style></head>
<body><a class="skip" href="#main">跳到主要內容</a>
<header class="top"><% if (it.plain) { %><span class="brand">個資事件通報</span><% } else { %><a href="/console">個資事件主控台</a><% } %>
<% if (it.who) { %><div class="who"><% if (it.people) { %><a href="/console/people">人員與角色</a><% } %><span><%= it.who %></span><form method="post" action="/console/sign-out"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><button type="submit" class="quiet">登出</button></form></div><% } %>
</header>
<main id="main"><% if (it.flash) { %><p class="flash <%= it.flash.kind %>" role="<%= it.flash.kind === 'ok' ? 'status' : 'alert' %>"><%= it.flash.text %><% if (it.flash.link) { %> <a href="<%= it.flash.link.href %>"><%= it.flash.link.label %></a><% } %></p><% } %><%~ it.body %></main>
</body></html>`;

const MESSAGE = `<h1><%= it.title %></h1><div class="panel"><% it.paragraphs.forEach(function (p) { %><p><%= p %></p><% }) %>
<% if (it.form) { %><form method="post"><button type="submit"><%= it.form %></button></form><% } %></div>`;

const LIST = `<h1>事件列表</h1>
<p class="sub">共 <%= it.incidents.length %> 件<% if (it.overdueCount) { %>，<span class="danger">其中 <%= it.overdueCount %> 件有逾期的時限</span><% } %><% if (it.limited) { %>（只列出最新的 <%= it.incidents.length %> 件，請以編號搜尋）<% } %>。</p>
<form class="panel filters" method="get" action="/console" role="search" aria-label="篩選事件">
<div><label for="status">狀態</label><select id="status" name="status"><% it.filters.forEach(function (f) { %><option value="<%= f.value %>"<%= f.selected ? ' selected' : '' %>><%= f.label %></option><% }) %></select></div>
<div><label for="ref">事件編號</label><input id="ref" name="ref" value="<%= it.query.ref %>" placeholder="例如 115-001" inputmode="text" autocomplete="off" maxlength="20"></div>
<button type="submit">查詢</button></form>
<% if (it.incidents.length === 0) { %><p class="panel">沒有符合條件的事件。</p><% } %>
<ul class="cards" aria-label="事件"><% it.incidents.forEach(function (i) { %>
<li class="card<%= i.overdue ? ' overdue' : i.closed ? ' closed' : '' %>">
<h2><a href="<%= i.href %>"><%= i.ref %>｜<%= i.title %></a></h2>
<p><span class="badge<%= i.closed ? ' ok' : '' %>"><%= i.status %></span><% if (i.overdue) { %><span class="badge danger">⚠ 有逾期的時限</span><% } %></p>
<dl><dt>下一個時限</dt><dd><% if (i.next) { %><%= i.next.label %>：<%= i.next.end %>（<span class="<%= i.next.overdue ? 'danger' : '' %>"><%= i.next.until %></span>）<% } else { %>沒有計時中的時限<% } %></dd>
<dt>負責</dt><dd><%= i.owner || '—' %></dd>
<dt>檢核</dt><dd><%= i.total - i.open %> / <%= i.total %> 完成</dd>
<dt>知悉</dt><dd><%= i.awareAt %></dd></dl></li><% }) %>
</ul>
<h2 id="open-items">學校的待辦（進行中事件未完成的檢核項目）</h2>
<div class="panel"><% if (it.openItems.length === 0) { %><p>目前沒有未完成的檢核項目。</p><% } else { %><ul class="plain"><% it.openItems.forEach(function (o) { %>
<li><a href="<%= o.href %>"><%= o.ref %></a>｜<%= o.title %>｜負責：<%= o.owner %><% if (o.planned) { %>｜預定 <%= o.planned %><% } %></li><% }) %></ul><% } %></div>`;

const INCIDENT = `<p><a href="/console">← 事件列表</a></p>
<h1>事件 <%= it.ref %>｜<%= it.heading %></h1>
<p class="sub"><span class="badge"><%= it.status %></span><% if (it.readOnly) { %><span class="badge warn">唯讀檢視</span><% } %></p>
<nav aria-label="本頁段落" class="toc"><ul><li><a href="#clocks">法定時限</a></li><li><a href="#checklist">檢核清單</a></li><li><a href="#facts">通報內容</a></li><li><a href="#assessment">影響評估</a></li><li><a href="#notices">通知當事人</a></li><li><a href="#reports">報告下載</a></li><li><a href="#timeline">事件紀錄</a></li></ul></nav>
<section aria-labelledby="clocks"><h2 id="clocks">法定時限</h2>
<ul class="cards"><% it.clocks.forEach(function (c) { %><li class="card<%= c.overdue ? ' overdue' : c.stoppedBy ? ' closed' : '' %>"><h3><%= c.label %></h3>
<p><% if (c.stoppedBy) { %><span class="badge ok">已停止</span><% } else if (c.overdue) { %><span class="badge danger">⚠ 已逾期</span><% } else { %><span class="badge">計時中</span><% } %></p>
<dl><dt>應辦事項</dt><dd><%= c.action %></dd><dt>負責</dt><dd><%= c.owner %></dd><dt>起算</dt><dd><%= c.trigger %></dd>
<dt>法定期限</dt><dd><%= c.statutoryEnd %><% if (c.until) { %>（<span class="<%= c.overdue ? 'danger' : '' %>"><%= c.until %></span>）<% } %></dd>
<% if (c.recommended) { %><dt>建議完成</dt><dd><%= c.recommended %> 前</dd><% } %>
<% if (c.stoppedBy) { %><dt>停止原因</dt><dd><%= c.stoppedBy %></dd><% } %>
<% if (c.overdueAtAwareness) { %><dt>注意</dt><dd class="danger"><%= c.overdueAtAwareness %></dd><% } %>
<% if (c.note) { %><dt>期限順延</dt><dd><%= c.note %></dd><% } %>
<dt>依據</dt><dd><%= c.basis %></dd></dl></li><% }) %></ul>
<% if (it.offClocks) { %><p class="muted">另有 <%= it.offClocks %> 項時限不適用於本事件。</p><% } %></section>
<section aria-labelledby="checklist"><h2 id="checklist">檢核清單</h2><div class="panel"><ol class="items"><% it.checklist.forEach(function (c) { %>
<li id="item-<%= c.id %>"><strong><%= c.title %></strong> <span class="badge<%= c.state === 'open' ? ' warn' : ' ok' %>"><%= c.stateLabel %></span><br><span class="muted">負責：<%= c.owner %><% if (c.by) { %>｜<%= c.stateLabel %>：<%= c.by %><% } %><% if (c.evidence) { %>｜證據 <%= c.evidence %> 件<% } %></span>
<% if (c.note) { %><br><span class="muted">紀錄：<%= c.note %></span><% } %><% if (c.delayReason) { %><br><span class="muted">遲延原因：<%= c.delayReason %></span><% } %>
<% if (c.formHref) { %><div class="acts"><a class="button" href="<%= c.formHref %>">填寫並完成<span class="skip-text">：<%= c.title %></span></a></div><% } %>
<% if (c.tickAction) { %><form class="tick" method="post" action="<%= c.tickAction %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><label for="note-<%= c.id %>"><%= c.formHref ? '不適用的原因' : c.naAllowed ? '紀錄（選填；不適用時請寫原因）' : '紀錄（選填）' %><span class="skip-text">：<%= c.title %></span></label><input id="note-<%= c.id %>" name="note" maxlength="300" autocomplete="off"><div class="acts"><% if (!c.formHref) { %><button type="submit" name="to" value="done">完成<span class="skip-text">：<%= c.title %></span></button><% } %><% if (c.naAllowed) { %><button type="submit" name="to" value="na" class="plain">不適用<span class="skip-text">：<%= c.title %></span></button><% } %></div></form><% } %>
<% if (c.reopenAction) { %><details><summary>重新開啟<span class="skip-text">：<%= c.title %></span></summary><form class="tick" method="post" action="<%= c.reopenAction %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="_basis" value="<%= c.basis %>"><label for="reason-<%= c.id %>">重新開啟的原因（選填，記入事件紀錄）<span class="skip-text">：<%= c.title %></span></label><input id="reason-<%= c.id %>" name="reason" maxlength="300" autocomplete="off"><div class="acts"><button type="submit" class="plain">重新開啟<span class="skip-text">：<%= c.title %></span></button></div></form></details><% } %></li><% }) %></ol></div></section>
<section aria-labelledby="facts"><h2 id="facts">通報內容</h2><div class="panel"><dl><% it.facts.forEach(function (f) { %><dt><%= f[0] %></dt><dd><%= f[1] %></dd><% }) %></dl></div></section>
<section aria-labelledby="assessment"><h2 id="assessment">影響評估</h2><div class="panel"><% if (it.assessHref) { %><p><a class="button" href="<%= it.assessHref %>">修改影響評估</a></p><% } %><dl><% it.assessment.forEach(function (a) { %><dt><%= a.label %></dt><dd><%= a.value %></dd><% }) %></dl></div></section>
<section aria-labelledby="notices"><h2 id="notices">通知當事人</h2><% if (it.notices.length === 0) { %><p class="panel">尚未擬通知稿。</p><% } %>
<% it.notices.forEach(function (n) { %><div class="panel" id="<%= n.anchor %>"><h3><%= n.audience %></h3><p><span class="badge"><%= n.status %></span>目前第 <%= n.current %> 版<% if (n.approved) { %>｜核定：<%= n.approved %><% } %></p>
<% if (n.acts) { %><div class="acts"><% if (n.acts.editHref) { %><a class="button" href="<%= n.acts.editHref %>">修改內容<span class="skip-text">（<%= n.audience %>）</span></a><% } %>
<% if (n.acts.submitAction) { %><form method="post" action="<%= n.acts.submitAction %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="version" value="<%= n.acts.version %>"><button type="submit">送校長核定<span class="skip-text">（<%= n.audience %>第 <%= n.acts.version %> 版）</span></button></form><% } %>
<% if (n.acts.actingAction) { %><form method="post" action="<%= n.acts.actingAction %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="version" value="<%= n.acts.version %>"><button type="submit" class="plain">改送代理人核定<span class="skip-text">（<%= n.audience %>第 <%= n.acts.version %> 版）</span></button></form><% } %>
<% if (n.acts.review) { %><form method="post" action="<%= n.acts.review.approveAction %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="version" value="<%= n.acts.version %>"><button type="submit">核定第 <%= n.acts.version %> 版<span class="skip-text">（<%= n.audience %>）</span></button></form>
<form class="review" method="post" action="<%= n.acts.review.sendBackAction %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="version" value="<%= n.acts.version %>"><label for="comment-<%= n.id %>">退回修改的意見（必填，撰稿人會收到）</label><textarea id="comment-<%= n.id %>" name="comment" rows="3" maxlength="500" required></textarea><div><button type="submit" class="danger">退回修改<span class="skip-text">（<%= n.audience %>第 <%= n.acts.version %> 版）</span></button></div></form><% } %>
<% if (n.acts.ownNote) { %><p class="muted"><%= n.acts.ownNote %></p><% } %></div><% } %>
<% n.versions.forEach(function (v) { %><details<%= v.current ? ' open' : '' %>><summary>第 <%= v.version %> 版｜<%= v.author %>｜<%= v.at %></summary><div class="notice-text"><%= v.text %></div>
<% if (v.diff) { %><p class="muted">與第 <%= v.version - 1 %> 版的差異（<ins>新增</ins>、<del>刪除</del>）：</p><div class="notice-text"><% v.diff.forEach(function (d) { %><% if (d.kind === 'added') { %><ins><span class="skip-text">［新增］</span><%= d.text %></ins><% } else if (d.kind === 'removed') { %><del><span class="skip-text">［刪除］</span><%= d.text %></del><% } else { %><%= d.text %><% } %><% }) %></div><% } %></details><% }) %>
<% if (n.reviews.length) { %><h4>審核</h4><ul class="plain"><% n.reviews.forEach(function (r) { %><li>第 <%= r.version %> 版 <%= r.decision %>：<%= r.reviewer %>，<%= r.at %><% if (r.comment) { %>（<%= r.comment %>）<% } %></li><% }) %></ul><% } %>
<% if (n.batches.length) { %><h4>通知紀錄</h4><ul class="plain"><% n.batches.forEach(function (b) { %><li><%= b.channel %>：<%= b.counts %>（<%= b.by %>）<% if (b.note) { %>｜<%= b.note %><% } %></li><% }) %></ul><% } else if (n.delivery) { %><p class="muted">尚未登記通知紀錄。</p><% } %>
<% if (n.delivery) { %><%~ include('@delivery', { d: n.delivery, csrf: it.csrf }) %><% } %></div><% }) %></section>
<section aria-labelledby="reports"><h2 id="reports">報告下載</h2><div class="panel">
<% if (!it.reports.allowed) { %><p><%= it.reports.noBase ? '系統尚未設定對外網址（PUBLIC_URL），暫時無法提供下載連結。' : '報告與完整紀錄限個資聯絡窗口、管理人（校長）及稽核人員下載。' %></p><% } else { %>
<p class="muted">每個連結只能使用一次，<%= it.reports.until %> 前有效；重新整理本頁可取得新的連結。下載會記錄在事件紀錄上。</p>
<ul class="plain"><% it.reports.kinds.forEach(function (k) { %><li><strong><%= k.label %></strong>（<%= k.sent ? '已於 ' + k.sent + ' 送出' : '尚未登記送出' %>）：<% k.formats.forEach(function (f, n) { %><%= n ? '、' : '' %><a href="<%= f.href %>"><%= f.label %><span class="skip-text">（<%= k.label %>）</span></a><% }) %></li><% }) %>
<li><strong>完整紀錄匯出</strong>：<a href="<%= it.reports.exportHref %>">ZIP 壓縮檔</a></li></ul><% } %></div></section>
<section aria-labelledby="timeline"><h2 id="timeline">事件紀錄（時間軸）</h2>
<div class="panel"><p class="record <%= it.record.ok ? 'ok' : 'bad' %>"><%= it.record.ok ? '✓ 雜湊鏈驗證通過：' + it.record.entries + ' 筆紀錄前後相連，沒有被修改或刪除。' : '⚠ 雜湊鏈驗證失敗，紀錄可能遭修改，請立即通知系統管理者。' %></p>
<% if (it.record.sealed) { %><p class="muted"><%= it.record.sealed %></p><% } %><% if (it.record.problem) { %><p class="danger"><%= it.record.problem %></p><% } %>
<% if (it.record.shown < it.record.entries) { %><p class="muted">以下顯示 <%= it.record.shown %> 筆（共 <%= it.record.entries %> 筆，驗證涵蓋全部）；完整紀錄請下載「完整紀錄匯出」。</p><% } %>
<div class="table-wrap"><table><caption class="muted">最新的在前</caption><thead><tr><th scope="col">#</th><th scope="col">時間</th><th scope="col">人員</th><th scope="col">內容</th></tr></thead><tbody>
<% it.timeline.forEach(function (e) { %><tr><td><%= e.seq %></td><td><%= e.at %></td><td><%= e.actor %></td><td><%= e.summary %></td></tr><% }) %></tbody></table></div>
<% if (it.record.older || it.record.newest) { %><p class="pager"><% if (it.record.newest) { %><a href="<%= it.record.newest %>">回到最新紀錄</a> <% } %><% if (it.record.older) { %><a href="<%= it.record.older %>">更早的紀錄</a><% } %></p><% } %></div></section>`;

const EDIT = `<p><a href="<%= it.back %>">← 事件 <%= it.ref %></a></p>
<h1>修改通知稿｜<%= it.audience %></h1>
<p class="sub">事件 <%= it.ref %>｜目前第 <%= it.version %> 版｜<%= it.status %></p>
<% if (it.error) { %><p class="flash error" role="alert"><%= it.error %></p><% } %>
<% if (it.latest) { %><div class="panel"><h2>目前的第 <%= it.version %> 版（別人剛儲存的）</h2><div class="notice-text"><%= it.latest %></div><p class="muted">您輸入的內容仍在下方；對照後確定要以它取代第 <%= it.version %> 版，再按儲存。</p></div><% } %>
<form class="panel" method="post" action="<%= it.action %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="version" value="<%= it.version %>">
<label for="text">通知內容（<%= it.max %> 字以內）</label>
<p id="text-help" class="muted">請用淺顯的文字寫下：發生了什麼事與已採取的措施、建議對方怎麼做、查詢窗口、可請求的賠償（如適用）。請勿貼上外洩的個資：身分證字號、電話、地址等會自動遮蔽。<% if (it.withdraws) { %>這一版正在等待核定或已核定，儲存後須重新送核。<% } %></p>
<textarea id="text" name="text" rows="18" maxlength="<%= it.max %>" required aria-describedby="text-help"><%= it.text %></textarea>
<div class="acts"><button type="submit">儲存為第 <%= it.version + 1 %> 版</button><a class="button" href="<%= it.back %>">取消</a></div></form>`;

/**
 * 登記通知紀錄 (notice-section.ts deliveryFormData): chat's delivery form under an approved notice, and again on its own
 * page with a refusal beside its field (delivery.ts). Ids carry the notice's, so several notices' forms fit on a page.
 */
const DELIVERY = `<form class="webform delivery" method="post" action="<%= it.d.action %>" novalidate aria-labelledby="<%= it.d.prefix %>-h">
<h<%= it.d.level %> id="<%= it.d.prefix %>-h"><%= it.d.title %><span class="skip-text">（<%= it.d.audience %>）</span></h<%= it.d.level %>>
<p class="muted"><%= it.d.intro %></p>
<input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="_basis" value="<%= it.d.basis %>">
<% it.d.fields.forEach(function (f) { var id = it.d.prefix + '-' + f.id; var by = [f.help ? id + '-help' : '', f.error ? id + '-error' : ''].filter(Boolean).join(' '); %><div class="field<%= f.error ? ' invalid' : '' %>">
<% if (f.kind === 'radio') { %><fieldset id="<%= id %>"<% if (by) { %> aria-describedby="<%= by %>"<% } %>><legend><%= f.label %><%= f.required ? '' : '（可略過）' %></legend>
<% if (f.help) { %><p id="<%= id %>-help" class="muted"><%= f.help %></p><% } %><% if (f.error) { %><p id="<%= id %>-error" class="error"><%= f.error %></p><% } %>
<% f.options.forEach(function (o, k) { %><label class="choice"><input type="radio" name="<%= f.id %>" value="<%= o.value %>"<%= o.checked ? ' checked' : '' %><%= f.autofocus && k === 0 ? ' autofocus' : '' %><%~ f.error ? ' aria-invalid="true"' : '' %>> <%= o.label %></label>
<% }) %></fieldset>
<% } else { %><label for="<%= id %>"><%= f.label %><%= f.required ? '' : '（可略過）' %></label>
<% if (f.help) { %><p id="<%= id %>-help" class="muted"><%= f.help %></p><% } %><% if (f.error) { %><p id="<%= id %>-error" class="error"><%= f.error %></p><% } %>
<input id="<%= id %>" name="<%= f.id %>" type="text" value="<%= f.value %>" autocomplete="off"<% if (f.numeric) { %> inputmode="numeric"<% } %><% if (f.maxLength) { %> maxlength="<%= f.maxLength %>"<% } %><%~ f.required ? ' aria-required="true"' : '' %><% if (by) { %> aria-describedby="<%= by %>"<% } %><%~ f.error ? ' aria-invalid="true"' : '' %><%= f.autofocus ? ' autofocus' : '' %>>
<% } %></div>
<% }) %><div class="acts"><button type="submit"><%= it.d.submitLabel %><span class="skip-text">：<%= it.d.title %>（<%= it.d.audience %>）</span></button></div></form>`;

const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true, useWith: false });
eta.loadTemplate('@layout', LAYOUT);
eta.loadTemplate('@message', MESSAGE);
eta.loadTemplate('@list', LIST);
eta.loadTemplate('@incident', INCIDENT);
eta.loadTemplate('@edit', EDIT);
eta.loadTemplate('@delivery', DELIVERY);
eta.loadTemplate('@formfields', WEB_FORM_FIELDS);
eta.loadTemplate('@webform', WEB_FORM);

export interface Frame {
  title: string;
  /** The person signed in (name and roles), with the sign-out form's CSRF token; absent on the sign-in pages. */
  who?: string;
  csrf?: string;
  /** A link to the people and roles page in the header (roles that may see it). */
  people?: boolean;
  /** The result of the last action (acts.ts), shown once at the top of the page. */
  flash?: { kind: 'ok' | 'error'; text: string; link?: { href: string; label: string } } | null;
  /** A page for anyone with a chat link (a web form), not only the console's users: no link to the console. */
  plain?: boolean;
}

/** A page's template kept beside its routes (people-page.ts, assessment.ts), compiled once like these. */
export function addTemplate(name: `@${string}`, text: string): void {
  eta.loadTemplate(name, text);
}

export function renderPage(name: `@${string}`, frame: Frame, data: object): string {
  return eta.render('@layout', { ...frame, body: eta.render(name, { ...data, csrf: frame.csrf }) });
}

/** A page of a few paragraphs (sign-in, refusals, signed out), with a button posting to itself when `form` is set. */
export function messagePage(title: string, paragraphs: string[], form?: string, frame: Omit<Frame, 'title'> = {}): string {
  return renderPage('@message', { title, ...frame }, { title, paragraphs, form });
}
