/**
 * The web form from chat (forms.ts): one server-rendered page for a form the chat asks step by step or in pages. Labels on every
 * field, fieldset/legend for choices, help and errors tied to their field (aria-describedby), an error summary with
 * links, and focus on the first error (autofocus: the pages carry no script). Time fields show how their text was read.
 */
export const WEB_FORM = `<div class="narrow"><h1><%= it.title %></h1>
<p class="sub"><%= it.intro %></p>
<p class="muted"><%= it.personName %>，這個連結限您本人使用一次，<%= it.until %> 前有效。</p>
<% if (it.errors.length) { %><div class="flash error" role="alert"><p>有 <%= it.errors.length %> 個欄位需要修改：</p><ul class="plain"><% it.errors.forEach(function (e) { %><li><% if (e.anchor) { %><a href="#<%= e.anchor %>"><%= e.message %></a><% } else { %><%= e.message %><% } %></li><% }) %></ul></div><% } %>
<% if (it.confirmTimes) { %><p class="flash ok" role="status">請確認下方「讀作」的時間是否正確，正確請再按一次「<%= it.submitLabel %>」；不正確請修改後再送出。</p><% } %>
<form method="post" class="webform" novalidate>
<input type="hidden" name="_csrf" value="<%= it.csrf %>">
<%~ include('@formfields', it) %><div class="acts"><button type="submit"><%= it.submitLabel %></button></div>
<p class="muted">送出後請回到與小幫手的對話；不想在網頁填寫，也可以直接在對話中繼續回答。</p>
</form></div>`;

/** The fields of a web form (pageFields in forms.ts), shared by the console's item forms (item-acts.ts). */
export const WEB_FORM_FIELDS = `<% it.fields.forEach(function (f) { %><div class="field<%= f.error ? ' invalid' : '' %>">
<% if (f.kind === 'radio' || f.kind === 'checkbox') { %><fieldset id="f-<%= f.id %>"<%~ f.describedBy ? ' aria-describedby="' + f.describedBy + '"' : '' %>><legend><%= f.label %><%= f.required ? '' : '（可略過）' %></legend>
<% if (f.help) { %><p id="f-<%= f.id %>-help" class="muted"><%= f.help %></p><% } %>
<% if (f.error) { %><p id="f-<%= f.id %>-error" class="error"><%= f.error %></p><% } %>
<% f.options.forEach(function (o, n) { %><label class="choice"><input type="<%= f.kind %>" name="<%= f.id %>" value="<%= o.value %>"<%= o.checked ? ' checked' : '' %><%= f.autofocus && n === 0 ? ' autofocus' : '' %><%~ f.error ? ' aria-invalid="true"' : '' %>> <%= o.label %></label>
<% }) %></fieldset>
<% } else { %><label for="f-<%= f.id %>"><%= f.label %><%= f.required ? '' : '（可略過）' %></label>
<% if (f.help) { %><p id="f-<%= f.id %>-help" class="muted"><%= f.help %></p><% } %>
<% if (f.error) { %><p id="f-<%= f.id %>-error" class="error"><%= f.error %></p><% } %>
<% if (f.kind === 'textarea') { %><textarea id="f-<%= f.id %>" name="<%= f.id %>" rows="4"<%~ f.maxLength ? ' maxlength="' + f.maxLength + '"' : '' %><%= f.required ? ' aria-required=true' : '' %><%~ f.describedBy ? ' aria-describedby="' + f.describedBy + '"' : '' %><%~ f.error ? ' aria-invalid="true"' : '' %><%= f.autofocus ? ' autofocus' : '' %>><%= f.value %></textarea>
<% } else { %><input id="f-<%= f.id %>" name="<%= f.id %>" type="text" value="<%= f.value %>" autocomplete="off"<%~ f.inputmode ? ' inputmode="' + f.inputmode + '"' : '' %><%~ f.maxLength ? ' maxlength="' + f.maxLength + '"' : '' %><%= f.required ? ' aria-required=true' : '' %><%~ f.describedBy ? ' aria-describedby="' + f.describedBy + '"' : '' %><%~ f.error ? ' aria-invalid="true"' : '' %><%= f.autofocus ? ' autofocus' : '' %>>
<% } %><% if (f.reading) { %><p id="f-<%= f.id %>-reading" class="reading">讀作：<strong><%= f.reading.text %></strong></p><input type="hidden" name="_read_<%= f.id %>" value="<%= f.reading.at %>"><% } %>
<% } %></div>
<% }) %>`;

/** The form's own style, added to the console's (templates.ts). */
export const WEB_FORM_CSS = `
.narrow{max-width:44rem;margin:0 auto}
.webform .field{background:#fff;border:1px solid #d0d4da;border-radius:.5rem;padding:.7rem 1rem;margin:.7rem 0}
.webform .field.invalid{border-color:#b3261e;border-left:.4rem solid #b3261e}
.webform fieldset{border:0;margin:0;padding:0;min-width:0}.webform legend{font-weight:600;font-size:.95rem;padding:0}
.webform label{display:block}.webform input[type=text],.webform textarea{width:100%}
.webform label.choice{display:flex;gap:.6rem;align-items:center;font-weight:400;font-size:1rem;min-height:44px;padding:.1rem 0}
.webform label.choice input{width:1.3rem;height:1.3rem;min-height:0;margin:0;flex:none}
.error{color:#8c1d18;font-weight:700;margin:.3rem 0}
.reading{margin:.3rem 0;color:#1e5631}
.webform .acts button{width:100%;font-size:1.1rem}
@media (min-width:48rem){.webform .acts button{width:auto}}
`;
