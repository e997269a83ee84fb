import { addTemplate } from './templates.js';

/** The people and roles page (people-page.ts): escaped by default like the console's other templates. */
const PEOPLE = `<p><a href="/console">← 事件列表</a></p>
<h1>人員與角色</h1>
<p class="sub"><%= it.school %>｜在職 <%= it.activeCount %> 人<% if (it.inactiveCount) { %>、停用 <%= it.inactiveCount %> 人<% } %><% if (it.readOnly) { %><span class="badge warn">唯讀檢視</span><% } %></p>
<nav aria-label="本頁段落" class="toc"><ul><li><a href="#roster">人員名冊</a></li><li><a href="#codes">綁定碼</a></li><% if (it.mayImport) { %><li><a href="#import">匯入名冊</a></li><% } %><li><a href="#history">異動紀錄</a></li></ul></nav>
<section aria-labelledby="roster"><h2 id="roster">人員名冊</h2>
<form class="panel filters" method="get" action="/console/people#roster" role="search" aria-label="搜尋人員">
<div><label for="people-q">姓名或單位</label><input id="people-q" name="q" type="search" value="<%= it.q %>" maxlength="<%= it.maxQ %>" autocomplete="off"></div>
<button type="submit">搜尋</button><% if (it.paging.clear) { %><a class="button" href="<%= it.paging.clear %>">顯示全部</a><% } %></form>
<p class="sub"><% if (it.q) { %>「<%= it.q %>」：<% } %><% if (it.paging.matching === 0) { %><%= it.q ? '沒有姓名或單位符合的人員。' : '名冊中沒有人員。' %><% } else if (it.paging.from === 0) { %>這一頁沒有人員（共 <%= it.paging.matching %> 人）。<% } else { %>第 <%= it.paging.from %>–<%= it.paging.to %> 人，共 <%= it.paging.matching %> 人<% } %></p>
<ul class="cards" aria-label="人員"><% it.people.forEach(function (p) { %>
<li class="card<%= p.active ? '' : ' closed' %>" id="person-<%= p.id %>"><h3><%= p.name %><% if (p.unit) { %><span class="muted">（<%= p.unit %>）</span><% } %></h3>
<p><% if (!p.active) { %><span class="badge warn">已停用</span><% } %><% p.roleLabels.forEach(function (r) { %><span class="badge"><%= r %></span><% }) %></p>
<dl><dt>聊天帳號</dt><dd><% if (p.accounts.length === 0) { %>尚未綁定<% } %><% p.accounts.forEach(function (a) { %><span><%= a.platform %><% if (a.name) { %>（<%= a.name %>）<% } %>，<%= a.since %> 綁定</span>
<% if (it.mayManage) { %><form method="post" action="/console/people/accounts/<%= a.id %>/unlink<%= it.here %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><button type="submit" class="plain">解除綁定<span class="skip-text">：<%= p.name %>的 <%= a.platform %> 帳號</span></button></form><% } %><% }) %></dd></dl>
<% if (p.active && it.mayManage) { %><form method="post" action="/console/people/<%= p.id %>/code<%= it.here %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><button type="submit">產生綁定碼<span class="skip-text">：<%= p.name %></span></button></form><% } %>
<% if (it.mayRoles) { %><details><summary>變更角色或停用<span class="skip-text">：<%= p.name %></span></summary>
<form method="post" action="/console/people/<%= p.id %>/roles<%= it.here %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><fieldset><legend>角色<span class="skip-text">：<%= p.name %></span></legend><div class="checks">
<% it.roles.forEach(function (r) { %><label><input type="checkbox" name="roles" value="<%= r.key %>"<%= p.roles.indexOf(r.key) >= 0 ? ' checked' : '' %>><%= r.label %></label><% }) %></div></fieldset>
<button type="submit">儲存角色<span class="skip-text">：<%= p.name %></span></button></form>
<form method="post" action="/console/people/<%= p.id %>/active<%= it.here %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="active" value="<%= p.active ? 'false' : 'true' %>"><p><button type="submit" class="<%= p.active ? 'danger' : '' %>"><%= p.active ? '停用' : '恢復' %><span class="skip-text">：<%= p.name %></span></button></p></form></details><% } %></li><% }) %></ul>
<% if (it.paging.prev || it.paging.next) { %><nav class="pager" aria-label="人員名冊分頁"><% if (it.paging.prev) { %><a href="<%= it.paging.prev %>" rel="prev">上一頁</a> <% } %><span>第 <%= it.paging.page %>／<%= it.paging.pages %> 頁</span><% if (it.paging.next) { %> <a href="<%= it.paging.next %>" rel="next">下一頁</a><% } %></nav><% } %></section>
<section aria-labelledby="codes"><h2 id="codes">尚未使用的綁定碼</h2><div class="panel">
<p class="muted">綁定碼只在產生時顯示一次；這裡只列出誰有尚未使用的綁定碼與到期時間。本人在與小幫手的私訊輸入「綁定 綁定碼」即完成綁定。</p>
<% if (it.codes.length === 0) { %><p>目前沒有尚未使用的綁定碼。</p><% } else { %><ul class="plain"><% it.codes.forEach(function (c) { %><li><%= c.person %>：<%= c.until %> 前有效（<%= c.by %>於 <%= c.at %> 產生）
<% if (it.mayManage) { %><form method="post" action="/console/people/codes/<%= c.id %>/revoke<%= it.here %>"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><button type="submit" class="plain">作廢<span class="skip-text">：<%= c.person %>的綁定碼</span></button></form><% } %></li><% }) %></ul><% } %></div></section>
<% if (it.mayImport) { %><section aria-labelledby="import"><h2 id="import">匯入名冊</h2>
<form class="panel" method="post" action="/console/people/import" enctype="multipart/form-data"><input type="hidden" name="_csrf" value="<%= it.csrf %>">
<p class="muted">上傳學校的名冊檔（YAML，格式與 npm run people -- import 相同，<%= it.maxKb %> KB 以內）。先顯示預覽：新增、變更、停用的人員與檔案中的錯誤，確認後才會寫入。</p>
<div class="field"><label for="roster-file">名冊檔</label><input id="roster-file" type="file" name="roster" accept=".yaml,.yml,text/yaml" required></div>
<div class="checks"><label><input type="checkbox" name="deactivateMissing" value="1">名冊中沒有的人員改為停用</label></div>
<button type="submit">預覽匯入結果</button></form></section><% } %>
<section aria-labelledby="history"><h2 id="history">異動紀錄</h2><div class="panel">
<% if (it.history.length === 0) { %><p>尚無人員異動紀錄。</p><% } else { %><div class="table-wrap"><table><caption class="muted">最新的在前（每頁 <%= it.historyPerPage %> 筆<%= it.historyPaging.page > 1 ? '，第 ' + it.historyPaging.page + ' 頁' : '' %>）</caption><thead><tr><th scope="col">時間</th><th scope="col">人員</th><th scope="col">異動</th><th scope="col">由誰</th></tr></thead><tbody>
<% it.history.forEach(function (h) { %><tr><td><%= h.at %></td><td><%= h.person %></td><td><%= h.what %></td><td><%= h.by %></td></tr><% }) %></tbody></table></div><% } %>
<% if (it.historyPaging.newer || it.historyPaging.older) { %><nav class="pager" aria-label="異動紀錄分頁"><% if (it.historyPaging.newer) { %><a href="<%= it.historyPaging.newer %>" rel="prev">上一頁（較新）</a> <% } %><% if (it.historyPaging.older) { %><a href="<%= it.historyPaging.older %>" rel="next">下一頁（較舊）</a><% } %></nav><% } %></div></section>`;

const PREVIEW = `<p><a href="/console/people#import">← 人員與角色</a></p>
<h1>匯入名冊：預覽</h1>
<% if (it.faults) { %><div class="flash error" role="alert"><p>名冊檔有 <%= it.faults.length %> 個問題，沒有寫入任何資料。請修正後重新上傳。</p></div>
<div class="panel"><ul class="plain"><% it.faults.forEach(function (f) { %><li><%= f %></li><% }) %></ul></div>
<% } else { %><p class="sub">新增 <%= it.counts.create %> 人、變更 <%= it.counts.update %> 人、停用 <%= it.counts.deactivate %> 人、不變 <%= it.counts.unchanged %> 人<% if (it.counts.kept) { %>；另有 <%= it.counts.kept %> 人不在檔案中，維持原狀<% } %>。</p>
<% if (it.schoolChanges.length) { %><div class="panel"><h2>學校資料</h2><ul class="plain"><% it.schoolChanges.forEach(function (c) { %><li><%= c %></li><% }) %></ul></div><% } %>
<div class="panel table-wrap"><table><caption class="muted">逐人預覽（尚未寫入）</caption><thead><tr><th scope="col">人員</th><th scope="col">結果</th><th scope="col">內容</th></tr></thead><tbody>
<% it.rows.forEach(function (r) { %><tr><td><%= r.name %></td><td><span class="badge<%= r.kind === 'deactivate' ? ' danger' : r.kind === 'create' || r.kind === 'update' ? ' warn' : '' %>"><%= r.action %></span></td><td><%= r.changes %></td></tr><% }) %></tbody></table></div>
<% if (it.changed) { %><form class="panel" method="post" action="/console/people/import/confirm"><input type="hidden" name="_csrf" value="<%= it.csrf %>"><input type="hidden" name="roster" value="<%= it.roster %>"><input type="hidden" name="digest" value="<%= it.digest %>"><input type="hidden" name="deactivateMissing" value="<%= it.deactivateMissing ? '1' : '' %>">
<p>確認後依預覽寫入，每一筆異動都會記在異動紀錄上。</p><div class="acts"><button type="submit">確認匯入</button><a class="button" href="/console/people#import">取消</a></div></form>
<% } else { %><p class="panel">名冊與目前資料相同，不需要匯入。</p><% } %><% } %>`;

const CODE = `<p><a href="/console/people#person-<%= it.personId %>">← 人員與角色</a></p>
<h1>綁定碼｜<%= it.name %></h1>
<div class="panel"><p>綁定碼：<strong class="code"><%= it.code %></strong></p><p><%= it.until %> 前有效，只能使用一次；這個頁面離開後不會再顯示。</p>
<p>請當面或以電話告知本人：<%= it.reach %>後，在私訊中輸入「綁定 <%= it.code %>」。請勿貼在群組。<%= it.name %>先前尚未使用的綁定碼已作廢。</p></div>`;

addTemplate('@people', PEOPLE);
addTemplate('@people-preview', PREVIEW);
addTemplate('@people-code', CODE);
