// healthpov field page (desk.phone.field_page; docs/field-sync.md, "Phone app").
//
// Everything is drawn from the offline package in IndexedDB (static/js/offline.js), online or
// not: villages → households (with the year's work lists) → a household's members → the forms
// the package describes. Saving a form queues the record with a UUID made here; the queue is
// sent when the connection returns, on load when online and with "Send now". A refused record
// stays, marked with the server's message, to be corrected and sent again.
// Text goes in with textContent only (never innerHTML): names come from the server's data.
(function () {
  "use strict";

  var off = window.hpOffline;
  var body = document.body;
  var view = document.querySelector("[data-field-view]");
  var status = document.querySelector("[data-field-status]");
  var network = document.querySelector("[data-field-network]");
  var SESSION_CHECK_MS = 60 * 1000;

  var WORDS = {
    "zh-hans": {
      online: "在线",
      offline: "离线",
      noUser: "请先联网登录,在首页点“离线下载我的村”。",
      noUserOnline: "点上方“离线下载我的村”,把您所管村的数据存到这部手机上。",
      openHome: "打开首页",
      noPackage: "此手机上还没有您的离线数据。联网时点上方“离线下载我的村”。",
      packageInfo: "{year} 年数据,截至 {as_of};下载于 {at}",
      worklists: "工作清单",
      villages: "村",
      households: "户",
      allRecords: "入户记录",
      refusedAlert: "{n} 条记录被退回,请修改后重新上传",
      othersAlert: "此手机上还有另一用户的 {n} 条未上传记录,只会在该用户登录后上传。",
      eraseOthers: "删除这些记录",
      eraseOthersConfirm: "删除另一用户的 {n} 条未上传记录?删除后无法恢复。",
      followups_due: "随访到期",
      followups_overdue: "随访逾期",
      unsigned_without_reason: "未签约且无原因",
      households_to_visit: "需入户家庭",
      brochures_missing: "缺宣传册",
      allHouseholds: "全部",
      noHouseholds: "没有符合条件的家庭。",
      back: "返回",
      members: "家庭成员",
      name: "姓名",
      sex: "性别",
      age: "年龄",
      relation: "与户主关系",
      idNumber: "身份证号",
      phone: "电话",
      health: "健康状况",
      signing: "签约",
      chronic: "慢病",
      followup: "随访",
      followup_due: "本季度待随访",
      followup_overdue: "随访逾期",
      followup_done: "本季度已随访",
      followup_not_due: "未到随访期",
      booklet: "慢病证",
      actions: "记录",
      signed: "已签约",
      unsignedNoReason: "未签约,无原因",
      brochureDone: "宣传册已发放",
      brochureMissing: "缺宣传册",
      brochureQueued: "宣传册已记录,待上传",
      address: "地址",
      quarter: "第 {q} 季度",
      nextDue: "下次 {date}",
      save: "保存(待上传)",
      cancel: "取消",
      remove: "删除",
      removeConfirm: "删除这条未上传的记录?",
      edit: "修改",
      saved: "已保存,待上传",
      notFound: "离线数据中没有这条记录。",
      formMissing: "离线数据中没有这张表单,请联网后重新下载。",
      stateSent: "已上传",
      statePending: "待上传",
      stateRefused: "被退回",
      fixAndResend: "请修改后重新保存,再上传。",
      queueEmpty: "还没有入户记录。",
      forWhom: "对象",
      queuedAt: "记录于 {at}",
      choose: "请选择",
      yes: "是",
      formErrors: "请更正以下内容:",
      signedOut: "登录已失效,请重新登录。"
    },
    en: {
      online: "Online",
      offline: "Offline",
      noUser: "Sign in while online first, then press “Take my villages offline” on the home page.",
      noUserOnline: "Press “Take my villages offline” above to keep your villages on this phone.",
      openHome: "Open the home page",
      noPackage: "No offline data of yours on this phone yet. Online, press “Take my villages offline” above.",
      packageInfo: "Year {year}, as of {as_of}; downloaded {at}",
      worklists: "Work lists",
      villages: "Villages",
      households: "households",
      allRecords: "Field records",
      refusedAlert: "{n} records were refused: correct them and send them again",
      othersAlert: "{n} unsent records of another user are on this phone; they are sent only once that user signs in.",
      eraseOthers: "Delete these records",
      eraseOthersConfirm: "Delete {n} unsent records of another user? They cannot be restored.",
      followups_due: "Follow-ups due",
      followups_overdue: "Follow-ups overdue",
      unsigned_without_reason: "Not signed, no reason",
      households_to_visit: "Households to visit",
      brochures_missing: "Brochure missing",
      allHouseholds: "All",
      noHouseholds: "No household matches.",
      back: "Back",
      members: "Members",
      name: "Name",
      sex: "Sex",
      age: "Age",
      relation: "Relation",
      idNumber: "ID number",
      phone: "Phone",
      health: "Health",
      signing: "Signing",
      chronic: "Chronic disease",
      followup: "Follow-up",
      followup_due: "due this quarter",
      followup_overdue: "overdue",
      followup_done: "done this quarter",
      followup_not_due: "not due",
      booklet: "Booklet",
      actions: "Record",
      signed: "Signed",
      unsignedNoReason: "Not signed, no reason",
      brochureDone: "Brochure given",
      brochureMissing: "Brochure missing",
      brochureQueued: "Brochure recorded, waiting to be sent",
      address: "Address",
      quarter: "Quarter {q}",
      nextDue: "next {date}",
      save: "Save (to send)",
      cancel: "Cancel",
      remove: "Delete",
      removeConfirm: "Delete this unsent record?",
      edit: "Correct",
      saved: "Saved, waiting to be sent",
      notFound: "This record is not in the offline data.",
      formMissing: "This form is not in the offline data: download again when online.",
      stateSent: "Sent",
      statePending: "To send",
      stateRefused: "Refused",
      fixAndResend: "Correct it, save it and send it again.",
      queueEmpty: "No field records yet.",
      forWhom: "For",
      queuedAt: "recorded {at}",
      choose: "Choose",
      yes: "Yes",
      formErrors: "Please correct:",
      signedOut: "You were signed out: sign in again."
    }
  };
  var WORKLISTS = ["followups_due", "followups_overdue", "unsigned_without_reason",
    "households_to_visit", "brochures_missing"];
  var PERSON_LISTS = { followups_due: true, followups_overdue: true, unsigned_without_reason: true };

  function w(key, values) {
    var lang = (document.documentElement.lang || "zh-hans").toLowerCase();
    var words = WORDS[lang] || (lang.indexOf("zh") === 0 ? WORDS["zh-hans"] : WORDS.en);
    var text = words[key] || WORDS["zh-hans"][key] || key;
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return values && values[name] !== undefined ? String(values[name]) : all;
    });
  }

  // --- State ----------------------------------------------------------------------------------

  var userId = null;
  var pkg = null;        // the package's data
  var stored = null;     // the stored package (with downloaded_at)
  var records = [];
  var index = { places: {}, households: {}, persons: {}, lists: {} };

  function buildIndex() {
    index = { places: {}, households: {}, persons: {}, lists: {} };
    if (!pkg) return;
    pkg.places.forEach(function (p) { index.places[p.id] = p; });
    pkg.households.forEach(function (h) { index.households[h.id] = h; });
    pkg.persons.forEach(function (p) { index.persons[p.id] = p; });
    WORKLISTS.forEach(function (name) {
      var ids = (pkg.worklists && pkg.worklists[name]) || [];
      var households = {};
      ids.forEach(function (id) {
        if (PERSON_LISTS[name]) {
          var person = index.persons[id];
          if (person) households[person.household_id] = true;
        } else {
          households[id] = true;
        }
      });
      index.lists[name] = { ids: ids, households: households };
    });
  }

  function load() {
    return Promise.all([
      userId === null ? null : off.getPackage(userId),
      off.listRecords()
    ]).then(function (found) {
      stored = found[0] || null;
      pkg = stored ? stored.data : null;
      records = found[1] || [];
      buildIndex();
    });
  }

  // --- DOM helpers ----------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : value);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function icon(name) { return el("i", { className: "bi bi-" + name, "aria-hidden": "true" }); }

  function say(text) { status.textContent = text || ""; }

  function show(nodes) {
    view.replaceChildren.apply(view, nodes.filter(Boolean));
    window.scrollTo(0, 0);
  }

  function go(hash) {
    if (window.location.hash === hash) route();
    else window.location.hash = hash;
  }

  function today() {
    var now = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return now.getFullYear() + "-" + two(now.getMonth() + 1) + "-" + two(now.getDate());
  }

  // --- Records --------------------------------------------------------------------------------

  function mine() {
    return records.filter(function (r) { return r.queued_by === userId; });
  }

  function stateBadge(record) {
    var cls = { sent: "text-bg-success", pending: "text-bg-warning", refused: "text-bg-danger" }[record.state];
    var word = { sent: "stateSent", pending: "statePending", refused: "stateRefused" }[record.state];
    return el("span", { className: "badge " + cls, text: w(word), "data-testid": "record-state" });
  }

  function targetLabel(record) {
    if (record.person) {
      var person = index.persons[record.person];
      return person ? person.name : "#" + record.person;
    }
    var household = index.households[record.household];
    return household ? household.head_name + "(" + household.number + ")" : "#" + record.household;
  }

  function householdOf(record) {
    if (record.household) return record.household;
    var person = index.persons[record.person];
    return person ? person.household_id : record.household_id || null;
  }

  function formTitle(kind) {
    var form = pkg && pkg.forms && pkg.forms[kind];
    return form ? form.title : kind;
  }

  function recordItem(record) {
    var editable = record.state !== "sent";
    var messages = [];
    if (record.state === "refused") {
      if (record.message) messages.push(el("div", { className: "text-danger small", text: record.message, "data-testid": "record-message" }));
      Object.keys(record.errors || {}).forEach(function (name) {
        var field = findField(record.kind, name);
        (record.errors[name] || []).forEach(function (message) {
          if (message === record.message) return;  // the answer's message already says it
          messages.push(el("div", { className: "text-danger small", text: (field ? field.label + ":" : "") + message }));
        });
      });
    }
    return el("li", { className: "list-group-item", "data-testid": "record", "data-uuid": record.uuid, "data-state": record.state }, [
      el("div", { className: "d-flex flex-wrap gap-2 align-items-center" }, [
        stateBadge(record),
        el("span", { className: "fw-semibold", text: record.title || formTitle(record.kind) }),
        el("span", { className: "cell-name", text: record.label || targetLabel(record) }),
        el("span", { className: "small text-body-secondary", text: w("queuedAt", { at: off.stamp(record.queued_at) }) })
      ]),
      messages.length ? el("div", { className: "mt-1" }, messages) : null,
      editable ? el("div", { className: "d-flex flex-wrap gap-2 mt-2" }, [
        el("a", { className: "btn btn-sm btn-outline-primary", href: "#/edit/" + record.uuid, "data-testid": "record-edit" }, [icon("pencil"), " ", w("edit")]),
        el("button", { className: "btn btn-sm btn-outline-danger", type: "button", "data-remove": record.uuid }, [icon("trash"), " ", w("remove")])
      ]) : null
    ]);
  }

  function findField(kind, name) {
    var form = pkg && pkg.forms && pkg.forms[kind];
    if (!form) return null;
    for (var i = 0; i < form.fields.length; i += 1) {
      if (form.fields[i].name === name) return form.fields[i];
    }
    return null;
  }

  // --- Views ----------------------------------------------------------------------------------

  function viewNoUser() {
    show([el("div", { className: "alert alert-info", "data-testid": "field-no-user" }, [
      w(navigator.onLine ? "noUserOnline" : "noUser"), " ",
      el("a", { href: body.getAttribute("data-home-url"), text: w("openHome") })
    ])]);
  }

  function countHouseholds(village) {
    return pkg.households.filter(function (h) { return h.village_id === village.id; }).length;
  }

  function listLink(href, label, count, testid) {
    return el("a", { className: "list-group-item list-group-item-action d-flex justify-content-between align-items-center field-row", href: href, "data-testid": testid }, [
      el("span", { text: label }),
      el("span", { className: "badge rounded-pill " + (count ? "text-bg-primary" : "text-bg-secondary"), text: String(count) })
    ]);
  }

  function viewHome() {
    if (!pkg) {
      show([el("div", { className: "alert alert-info", "data-testid": "field-no-package" }, [w("noPackage")]), othersNotice(), queueSection()]);
      return;
    }
    var refused = mine().filter(function (r) { return r.state === "refused"; }).length;
    show([
      el("p", { className: "small text-body-secondary", "data-testid": "field-package-info", text: w("packageInfo", { year: pkg.year, as_of: pkg.as_of, at: off.stamp(stored.downloaded_at) }) }),
      refused ? el("a", { className: "alert alert-danger d-block", href: "#/queue", "data-testid": "field-refused-alert", text: w("refusedAlert", { n: refused }) }) : null,
      othersNotice(),
      el("h2", { className: "h6 mt-3", text: w("worklists") }),
      el("div", { className: "list-group mb-3", "data-testid": "field-worklists" }, WORKLISTS.map(function (name) {
        return listLink("#/households?list=" + name, w(name), Object.keys(index.lists[name].households).length, "worklist-" + name);
      })),
      el("h2", { className: "h6", text: w("villages") }),
      el("div", { className: "list-group mb-3", "data-testid": "field-villages" }, pkg.places.map(function (place) {
        return listLink("#/households?village=" + place.id, place.label, countHouseholds(place), "village");
      })),
      queueSection()
    ]);
  }

  function othersNotice() {
    var others = records.filter(function (r) { return r.queued_by !== userId && r.state !== "sent"; });
    if (!others.length) return null;
    return el("div", { className: "alert alert-secondary", "data-testid": "field-others" }, [
      el("div", { text: w("othersAlert", { n: others.length }) }),
      el("button", { className: "btn btn-sm btn-outline-danger mt-2", type: "button", "data-erase-others": "1" }, [w("eraseOthers")])
    ]);
  }

  function queueSection() {
    var list = mine().slice().sort(function (a, b) { return a.queued_at < b.queued_at ? 1 : -1; });
    return el("section", { "data-testid": "field-queue" }, [
      el("h2", { className: "h6", text: w("allRecords") }),
      list.length ? el("ul", { className: "list-group mb-3" }, list.map(recordItem))
        : el("p", { className: "text-body-secondary small", text: w("queueEmpty") })
    ]);
  }

  function params(query) {
    var found = {};
    (query || "").split("&").forEach(function (part) {
      if (!part) return;
      var pair = part.split("=");
      found[decodeURIComponent(pair[0])] = decodeURIComponent(pair[1] || "");
    });
    return found;
  }

  function viewHouseholds(query) {
    var village = query.village ? index.places[query.village] : null;
    var listName = WORKLISTS.indexOf(query.list) >= 0 ? query.list : "";
    var households = pkg.households.filter(function (h) {
      if (village && h.village_id !== village.id) return false;
      if (listName && !index.lists[listName].households[h.id]) return false;
      return true;
    });
    var base = village ? "#/households?village=" + village.id : "#/households?";
    var chips = [el("a", { className: "btn btn-sm " + (listName ? "btn-outline-secondary" : "btn-secondary"), href: base, text: w("allHouseholds") })];
    WORKLISTS.forEach(function (name) {
      chips.push(el("a", {
        className: "btn btn-sm " + (listName === name ? "btn-secondary" : "btn-outline-secondary"),
        href: base + (village ? "&" : "") + "list=" + name,
        "data-testid": "filter-" + name,
        text: w(name)
      }));
    });
    show([
      el("a", { className: "btn btn-link px-0", href: "#/" }, [icon("chevron-left"), w("back")]),
      el("h1", { className: "h5", "data-testid": "field-households-title", text: (village ? village.label : "") + (village && listName ? " · " : "") + (listName ? w(listName) : "") }),
      el("div", { className: "d-flex flex-wrap gap-2 mb-3" }, chips),
      households.length ? el("div", { className: "list-group", "data-testid": "field-households" }, households.map(function (h) {
        var badges = WORKLISTS.filter(function (name) { return index.lists[name].households[h.id]; }).map(function (name) {
          return el("span", { className: "badge text-bg-light border", text: w(name) });
        });
        return el("a", { className: "list-group-item list-group-item-action field-row", href: "#/household/" + h.id, "data-testid": "household", "data-household": h.id }, [
          el("div", { className: "d-flex flex-wrap gap-2 align-items-baseline" }, [
            el("span", { className: "fw-semibold cell-name", text: h.head_name }),
            el("span", { className: "small text-body-secondary cell-id", text: h.number })
          ]),
          el("div", { className: "small text-body-secondary", text: [h.village_label, h.address].filter(Boolean).join(" · ") }),
          badges.length ? el("div", { className: "d-flex flex-wrap gap-1 mt-1" }, badges) : null
        ]);
      })) : el("p", { className: "text-body-secondary", text: w("noHouseholds") })
    ]);
  }

  function formsFor(target) {
    var forms = (pkg && pkg.forms) || {};
    return Object.keys(forms).filter(function (kind) { return forms[kind].target === target; });
  }

  // Which person forms make sense for a member: a follow-up for a chronic patient, an unsigned
  // reason for somebody not signed; the others for everybody.
  function formApplies(kind, person) {
    if (kind === "followup") return (person.chronic || []).length > 0;
    if (kind === "unsigned_reason") return !person.signed;
    return true;
  }

  function followupText(person) {
    var f = person.followup;
    if (!f) return "";
    var parts = [];
    if (f.quarter) parts.push(w("quarter", { q: f.quarter }));
    if (f.state) parts.push(w("followup_" + f.state));
    if (f.next_due_on) parts.push(w("nextDue", { date: f.next_due_on }));
    return parts.join(" · ");
  }

  function cell(label, content, className) {
    var node = el("td", { "data-label": label, className: className || null });
    if (content !== null && content !== undefined && content !== "") {
      node.appendChild(typeof content === "string" ? el("span", { text: content }) : content);
    }
    return node;
  }

  function viewHousehold(id) {
    var household = index.households[id];
    if (!household) { show([el("div", { className: "alert alert-warning", text: w("notFound") })]); return; }
    var members = (household.person_ids || []).map(function (pid) { return index.persons[pid]; }).filter(Boolean);
    if (!members.length) {
      members = pkg.persons.filter(function (p) { return p.household_id === household.id; });
    }
    var memberIds = {};
    members.forEach(function (m) { memberIds[m.id] = true; });
    var queued = mine().filter(function (r) {
      return r.household === household.id || (r.person && memberIds[r.person]);
    });
    var brochureQueued = queued.some(function (r) {
      return r.state !== "refused" && r.data && r.data.kind === "brochure";
    });
    var brochure = household.brochure_done ? ["text-bg-success", w("brochureDone")]
      : brochureQueued ? ["text-bg-info", w("brochureQueued")] : ["text-bg-danger", w("brochureMissing")];

    var householdButtons = formsFor("household").map(function (kind) {
      return el("a", { className: "btn btn-outline-primary", href: "#/form/" + kind + "/household/" + household.id, "data-testid": "household-form-" + kind }, [icon("pencil-square"), " ", formTitle(kind)]);
    });

    var rows = members.map(function (person) {
      var signing = person.signed ? w("signed") : (person.unsigned_reason_label || w("unsignedNoReason"));
      var buttons = formsFor("person").filter(function (kind) { return formApplies(kind, person); }).map(function (kind) {
        return el("a", { className: "btn btn-sm btn-outline-primary", href: "#/form/" + kind + "/person/" + person.id, "data-testid": "person-form-" + kind }, [formTitle(kind)]);
      });
      return el("tr", { "data-testid": "member", "data-person": person.id }, [
        el("th", { scope: "row", className: "cell-name", text: person.name }),
        cell(w("sex"), person.sex_label),
        cell(w("age"), person.age === null || person.age === undefined ? "" : String(person.age)),
        cell(w("relation"), person.relation_label),
        cell(w("idNumber"), person.id_number_masked, "cell-id"),
        cell(w("phone"), person.phone_masked, "cell-id"),
        cell(w("health"), person.health_label),
        cell(w("signing"), signing),
        cell(w("chronic"), (person.chronic || []).map(function (c) { return c.disease_label; }).join("、")),
        cell(w("followup"), followupText(person)),
        cell(w("booklet"), person.booklet_label),
        cell(w("actions"), buttons.length ? el("div", { className: "d-flex flex-wrap gap-1" }, buttons) : "")
      ]);
    });

    var headers = [w("name"), w("sex"), w("age"), w("relation"), w("idNumber"), w("phone"), w("health"),
      w("signing"), w("chronic"), w("followup"), w("booklet"), w("actions")];
    show([
      el("a", { className: "btn btn-link px-0", href: "#/households?village=" + household.village_id }, [icon("chevron-left"), household.village_label || w("back")]),
      el("h1", { className: "h5 d-flex flex-wrap gap-2 align-items-baseline", "data-testid": "field-household-title" }, [
        el("span", { className: "cell-name", text: household.head_name }),
        el("small", { className: "text-body-secondary cell-id", text: household.number })
      ]),
      household.address ? el("p", { className: "small text-body-secondary mb-1", text: w("address") + ":" + household.address }) : null,
      el("p", {}, [el("span", { className: "badge " + brochure[0], "data-testid": "brochure-state", text: brochure[1] })]),
      householdButtons.length ? el("div", { className: "d-flex flex-wrap gap-2 mb-3" }, householdButtons) : null,
      el("h2", { className: "h6", text: w("members") }),
      el("div", { className: "table-responsive" }, [
        el("table", { className: "table table-sm align-middle table-stack", "data-testid": "field-members" }, [
          el("thead", {}, [el("tr", {}, headers.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
          el("tbody", {}, rows)
        ])
      ]),
      queued.length ? el("h2", { className: "h6", text: w("allRecords") }) : null,
      queued.length ? el("ul", { className: "list-group mb-3" }, queued.map(recordItem)) : null
    ]);
  }

  // --- Forms ----------------------------------------------------------------------------------

  // A field's choices: the form's own, or (the fulfilment's "persons") the household's members.
  function choicesOf(field, household) {
    if (field.choices_from === "household_members") {
      return ((household && household.person_ids) || []).map(function (pid) {
        var person = index.persons[pid];
        return [String(pid), person ? person.name : "#" + pid];
      });
    }
    return field.choices || [];
  }

  function control(field, value, invalid, formId, household) {
    var id = formId + "-" + field.name;
    var common = { id: id, name: field.name, className: "form-control" + (invalid ? " is-invalid" : ""), required: !!field.required };
    if (field.type === "textarea") {
      var area = el("textarea", Object.assign(common, { rows: "2" }));
      area.value = value || "";
      return area;
    }
    if (field.type === "select") {
      common.className = "form-select" + (invalid ? " is-invalid" : "");
      var options = [el("option", { value: "", text: field.required ? w("choose") : "---------" })];
      choicesOf(field, household).forEach(function (choice) {
        options.push(el("option", { value: String(choice[0]), text: choice[1] }));
      });
      var select = el("select", common, options);
      select.value = value === undefined || value === null ? "" : String(value);
      return select;
    }
    if (field.type === "multiselect") {
      var chosen = (value || []).map(String);
      return el("div", { id: id, className: "field-choices" + (invalid ? " is-invalid" : "") }, choicesOf(field, household).map(function (choice, i) {
        var box = el("input", { className: "form-check-input", type: "checkbox", name: field.name, id: id + "-" + i, value: String(choice[0]) });
        box.checked = chosen.indexOf(String(choice[0])) >= 0;
        return el("div", { className: "form-check" }, [box, el("label", { className: "form-check-label", "for": id + "-" + i, text: choice[1] })]);
      }));
    }
    if (field.type === "checkbox") {
      var check = el("input", { className: "form-check-input", type: "checkbox", name: field.name, id: id, value: "1" });
      check.checked = !!value;
      return check;
    }
    var attrs = Object.assign(common, { type: "text" });
    if (field.max_length) attrs.maxlength = String(field.max_length);
    if (field.type === "date") attrs.type = "date";
    if (field.type === "number" || field.type === "decimal") {
      attrs.type = "number";
      attrs.inputmode = field.type === "decimal" ? "decimal" : "numeric";
      attrs.step = field.type === "decimal" ? String(field.step || "any") : "1";
      if (field.min !== null && field.min !== undefined) attrs.min = String(field.min);
      if (field.max !== null && field.max !== undefined) attrs.max = String(field.max);
    }
    var input = el("input", attrs);
    if (value !== undefined && value !== null) input.value = String(value);
    else if (field.type === "date" && field.required) input.value = today();
    return input;
  }

  function fieldBlock(field, value, errors, formId, household) {
    var invalid = errors && errors.length;
    var input = control(field, value, invalid, formId, household);
    var feedback = invalid ? el("div", { className: "invalid-feedback d-block", "data-testid": "field-error" }, errors.map(function (e) { return el("div", { text: e }); })) : null;
    var help = field.help ? el("div", { className: "form-text", text: field.help }) : null;
    if (field.type === "checkbox") {
      return el("div", { className: "mb-3 form-check", "data-field": field.name }, [
        input, el("label", { className: "form-check-label", "for": input.id, text: field.label }), help, feedback
      ]);
    }
    return el("div", { className: "mb-3", "data-field": field.name }, [
      el(field.type === "multiselect" ? "div" : "label", { className: "form-label", "for": field.type === "multiselect" ? null : input.id, text: field.label + (field.required ? " *" : "") }),
      input, help, feedback
    ]);
  }

  function collect(form, fields) {
    var data = {};
    fields.forEach(function (field) {
      if (field.type === "multiselect") {
        var values = Array.prototype.map.call(form.querySelectorAll("input[name='" + field.name + "']:checked"), function (box) { return box.value; });
        if (values.length) data[field.name] = values;
      } else if (field.type === "checkbox") {
        data[field.name] = form.querySelector("input[name='" + field.name + "']").checked;
      } else {
        var value = form.elements[field.name].value.trim();
        if (value === "") return;  // left empty: not sent, as an online form leaves it blank
        if (field.type === "number") data[field.name] = parseInt(value, 10);
        else if (field.type === "decimal") data[field.name] = value;
        else data[field.name] = value;
      }
    });
    return data;
  }

  function viewForm(kind, target, targetId, existing) {
    var form = pkg && pkg.forms && pkg.forms[kind];
    if (!form) { show([el("div", { className: "alert alert-warning", text: w("formMissing") })]); return; }
    var subject = target === "person" ? index.persons[targetId] : index.households[targetId];
    if (!subject) { show([el("div", { className: "alert alert-warning", text: w("notFound") })]); return; }
    var household = target === "person" ? index.households[subject.household_id] : subject;
    var label = target === "person" ? subject.name : subject.head_name + "(" + subject.number + ")";
    var values = {};
    if (existing) {
      values = existing.data;
    } else {
      form.fields.forEach(function (f) {
        if (f.initial !== undefined && f.initial !== null) values[f.name] = f.initial;
      });
    }
    var errors = (existing && existing.state === "refused" && existing.errors) || {};
    var known = {};
    form.fields.forEach(function (f) { known[f.name] = true; });
    var general = [];
    if (existing && existing.state === "refused") {
      if (existing.message) general.push(existing.message);
      Object.keys(errors).forEach(function (name) {
        if (known[name]) return;
        errors[name].forEach(function (message) {
          if (general.indexOf(message) < 0) general.push(message);
        });
      });
    }
    var formId = "field-form-" + kind;
    var node = el("form", { className: "field-form", id: formId, "data-testid": "field-form", "data-kind": kind, autocomplete: "off" },
      form.fields.map(function (field) { return fieldBlock(field, values[field.name], (errors || {})[field.name], formId, household); }).concat([
        el("div", { className: "d-flex flex-wrap gap-2" }, [
          el("button", { className: "btn btn-primary", type: "submit", "data-testid": "field-form-save" }, [icon("save"), " ", w("save")]),
          el("a", { className: "btn btn-outline-secondary", href: household ? "#/household/" + household.id : "#/" , text: w("cancel") })
        ])
      ]));
    node.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!node.reportValidity()) return;
      var record = {
        uuid: off.newUuid(),
        kind: kind,
        queued_by: userId,
        queued_at: new Date().toISOString(),
        data: collect(node, form.fields),
        state: "pending",
        title: form.title,
        label: label,
        household_id: household ? household.id : null,
        message: "",
        errors: {}
      };
      record[target] = subject.id;
      var saving = existing ? off.replaceRecord(existing.uuid, record) : off.saveRecord(record);
      saving.then(function () {
        say(w("saved"));
        go(household ? "#/household/" + household.id : "#/");
        if (navigator.onLine) sendNow(null);
      });
    });
    show([
      el("a", { className: "btn btn-link px-0", href: household ? "#/household/" + household.id : "#/" }, [icon("chevron-left"), w("back")]),
      el("h1", { className: "h5", "data-testid": "field-form-title", text: form.title }),
      el("p", { className: "mb-2" }, [w("forWhom") + ":", el("span", { className: "fw-semibold cell-name", text: label })]),
      general.length ? el("div", { className: "alert alert-danger", "data-testid": "field-form-errors" }, [el("div", { text: w("formErrors") })].concat(general.map(function (m) { return el("div", { text: m }); }))) : null,
      node
    ]);
  }

  function viewEdit(uuid) {
    off.getRecord(uuid).then(function (record) {
      if (!record || record.queued_by !== userId || record.state === "sent") {
        show([el("div", { className: "alert alert-warning", text: w("notFound") })]);
        return;
      }
      var target = record.person ? "person" : "household";
      viewForm(record.kind, target, record[target], record);
      if (record.state === "refused") say(w("fixAndResend"));
    });
  }

  // --- Routing --------------------------------------------------------------------------------

  function route() {
    if (userId === null) { viewNoUser(); return; }
    var hash = window.location.hash.replace(/^#/, "") || "/";
    var parts = hash.split("?");
    var path = parts[0].split("/").filter(Boolean);
    if (path[0] === "queue") { show([othersNotice(), queueSection()]); return; }
    if (path[0] === "edit" && path[1]) { if (pkg) viewEdit(path[1]); else viewHome(); return; }
    if (!pkg) { viewHome(); return; }
    if (path[0] === "households") { viewHouseholds(params(parts[1])); return; }
    if (path[0] === "household" && path[1]) { viewHousehold(parseInt(path[1], 10)); return; }
    if (path[0] === "form" && path.length === 4) { viewForm(path[1], path[2], parseInt(path[3], 10), null); return; }
    viewHome();
  }

  function refresh() {
    return load().then(function () {
      // Redraw lists, never a form being filled in.
      if (!view.querySelector("form.field-form")) route();
    });
  }

  // --- Sending, downloading, signing out ------------------------------------------------------

  function signedOut() {
    say(w("signedOut"));
    off.eraseOnSignOut().catch(function () { return null; }).then(function () {
      window.location.href = body.getAttribute("data-login-url");
    });
  }

  function sendNow(event) {
    if (userId === null) return Promise.resolve();
    if (!navigator.onLine) {
      if (event) say(off.t("offlineNow"));  // pressed "Send now"
      return Promise.resolve();
    }
    return off.sync(userId).then(function (total) {
      if (total.tried) say(total.message);
      // What was sent changes the work lists: fetch the package again (304 when unchanged).
      if (total.sent) refreshPackage();
      return total;
    }, function (error) {
      if (error instanceof off.SignedOut) signedOut();
      else say(off.t("syncFailed", { reason: error.message }));
    });
  }

  // A quiet conditional download of the stored package (online only; errors left unsaid).
  function refreshPackage() {
    if (userId === null || !stored || !navigator.onLine) return Promise.resolve();
    return off.download(userId).then(refresh, function (error) {
      if (error instanceof off.SignedOut) signedOut();
    });
  }

  function downloadNow() {
    if (!navigator.onLine) { say(off.t("offlineNow")); return; }
    var button = document.querySelector("[data-field-download]");
    button.disabled = true;
    say(off.t("downloading"));
    var first = userId === null;
    off.download(userId).then(function (result) {
      say(result.message);
      button.setAttribute("data-downloaded", "1");
      userId = result.userId;
      if (first) started();
      return refresh();
    }, function (error) {
      if (error instanceof off.SignedOut) signedOut();
      else say(off.t("downloadFailed", { reason: error.message }));
    }).then(function () { button.disabled = false; });
  }

  // The session's idle timeout: a background poll (never extends the session) that is answered
  // with a redirect to log in means the session has ended (healthpov.accounts.middleware).
  function checkSession() {
    if (!navigator.onLine || document.hidden) return;
    fetch(body.getAttribute("data-session-check-url"), {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-Background-Poll": "1", "HX-Request": "true" }
    }).then(function (response) {
      var login = body.getAttribute("data-login-url");
      if (response.headers.get("HX-Redirect") || (response.redirected && response.url.indexOf(login) >= 0)) {
        signedOut();
      }
    }, function () { return null; });
  }

  function showNetwork() {
    network.textContent = navigator.onLine ? w("online") : w("offline");
    network.className = "badge " + (navigator.onLine ? "text-bg-light" : "text-bg-dark");
    network.setAttribute("data-online", navigator.onLine ? "1" : "0");
  }

  function markWorker() {
    if ("serviceWorker" in navigator && navigator.serviceWorker.controller) {
      body.setAttribute("data-offline-ready", "1");
    }
  }

  view.addEventListener("click", function (event) {
    var remove = event.target.closest("[data-remove]");
    if (remove) {
      if (window.confirm(w("removeConfirm"))) off.deleteRecord(remove.getAttribute("data-remove"));
      return;
    }
    var others = event.target.closest("[data-erase-others]");
    if (others) {
      var theirs = records.filter(function (r) { return r.queued_by !== userId && r.state !== "sent"; });
      if (theirs.length && window.confirm(w("eraseOthersConfirm", { n: theirs.length }))) {
        Promise.all(theirs.map(function (r) { return off.deleteRecord(r.uuid); }));
      }
    }
  });
  document.querySelector("[data-field-sync]").addEventListener("click", sendNow);
  document.querySelector("[data-field-download]").addEventListener("click", downloadNow);
  window.addEventListener("hashchange", route);
  window.addEventListener("online", function () { showNetwork(); sendNow(null); });
  window.addEventListener("offline", showNetwork);
  document.addEventListener("hp-offline-change", function () {
    off.showCounters(userId);
    refresh();
  });

  showNetwork();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("controllerchange", markWorker);
    markWorker();
  }
  off.registerWorker();
  // Once the user is known: counters, the session check, and what waits is sent.
  function started() {
    off.showCounters(userId);
    body.setAttribute("data-field-loaded", "1");
    window.setInterval(checkSession, SESSION_CHECK_MS);
  }

  off.currentUser().then(function (id) {
    userId = id;
    return load();
  }).then(function () {
    route();
    if (userId === null) return null;
    started();
    return sendNow(null).then(function (total) {
      if (!total || !total.sent) refreshPackage();
    });
  }).catch(function (error) { say(error.message); });
})();
