/*
 * Madoguchi chat widget: talks to the Rasa server over socket.io
 * (channel bot.channels.secure_socketio.SecureSocketIOInput).
 *
 * Everything the bot or the customer writes is put into the page with textContent /
 * DOM APIs, never as HTML. Only http(s) links become <a> elements.
 */
(function () {
  "use strict";

  var BASE = new URL(".", window.location.href); // the chat page's directory, e.g. /chat/
  // sessionStorage: cleared when the tab closes (shared computers). Browsers that block storage in a
  // third-party iframe throw on access: then keep the session in memory (no resume after reload).
  var STORE = (function () {
    try {
      var storage = window.sessionStorage;
      storage.getItem("madoguchi.probe");
      return storage;
    } catch (e) {
      var memory = {};
      return {
        getItem: function (k) { return Object.prototype.hasOwnProperty.call(memory, k) ? memory[k] : null; },
        setItem: function (k, v) { memory[k] = String(v); },
        removeItem: function (k) { delete memory[k]; },
      };
    }
  })();
  var KEY_SESSION = "madoguchi.session";
  var KEY_TOKEN = "madoguchi.token";
  var KEY_ACCOUNT = "madoguchi.account";
  var TYPING_TIMEOUT_MS = 30000;
  var WELCOME = "こんにちは。窓口チャットサポートです。ご質問を入力してください。";

  var el = {
    status: document.getElementById("status"),
    statusText: document.getElementById("status-text"),
    log: document.getElementById("log"),
    typing: document.getElementById("typing"),
    composer: document.getElementById("composer"),
    input: document.getElementById("input"),
    send: document.getElementById("send"),
    account: document.getElementById("account"),
    demoForm: document.getElementById("demo-form"),
    demoSelect: document.getElementById("demo-select"),
    demoSubmit: document.getElementById("demo-submit"),
    loginState: document.getElementById("login-state"),
    loginText: document.getElementById("login-text"),
    logout: document.getElementById("logout"),
    accountNote: document.getElementById("account-note"),
    newConversation: document.getElementById("new-conversation"),
  };

  var state = {
    config: null,
    socket: null,
    ready: false, // a session is confirmed for the current connection
    pending: [], // messages typed while not ready
    typingTimer: null,
  };

  // ------------------------------------------------------------------ storage helpers
  function load(key) {
    try { return STORE.getItem(key); } catch (e) { return null; }
  }
  function save(key, value) {
    try {
      if (value === null || value === undefined) STORE.removeItem(key);
      else STORE.setItem(key, value);
    } catch (e) { /* storage disabled: the session simply does not survive a reload */ }
  }

  // ------------------------------------------------------------------ rendering
  var timeFormat = new Intl.DateTimeFormat("ja-JP", { hour: "2-digit", minute: "2-digit" });

  function safeUrl(text) {
    try {
      var url = new URL(text);
      return url.protocol === "http:" || url.protocol === "https:" ? url : null;
    } catch (e) {
      return null;
    }
  }

  var URL_PATTERN = /https?:\/\/[^\s<>"'「」『』（）()、。，！？]+/g;
  var TRAILING = /[.,;:!?'")\]]+$/;

  // Appends text to parent; http(s) URLs become links (built with DOM APIs).
  function appendRichText(parent, text) {
    var last = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(text)) !== null) {
      var raw = match[0].replace(TRAILING, "");
      var url = safeUrl(raw);
      if (!url) continue;
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      var a = document.createElement("a");
      a.href = url.href;
      a.textContent = raw;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      parent.appendChild(a);
      last = match.index + raw.length;
      URL_PATTERN.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function scrollToEnd() {
    el.log.scrollTop = el.log.scrollHeight;
  }

  function clearQuickReplies() {
    var groups = el.log.querySelectorAll(".quick-replies");
    for (var i = 0; i < groups.length; i++) groups[i].remove();
  }

  function addMessage(sender, text, options) {
    options = options || {};
    var row = document.createElement("div");
    row.className = "message message-" + sender + (options.note ? " message-note" : "");

    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = sender === "user" ? "あなた：" : "サポート：";
    row.appendChild(who);

    var bubble = document.createElement("div");
    bubble.className = "bubble";
    if (sender === "bot") appendRichText(bubble, String(text || ""));
    else bubble.textContent = String(text || "");
    row.appendChild(bubble);

    var seconds = typeof options.timestamp === "number" ? options.timestamp : Date.now() / 1000;
    var when = new Date(seconds * 1000);
    var time = document.createElement("time");
    time.className = "time";
    time.dateTime = when.toISOString();
    time.textContent = timeFormat.format(when);
    row.appendChild(time);

    el.log.appendChild(row);
    if (options.quickReplies && options.quickReplies.length) addQuickReplies(options.quickReplies);
    scrollToEnd();
    return row;
  }

  function addQuickReplies(replies) {
    clearQuickReplies();
    var group = document.createElement("div");
    group.className = "quick-replies";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "選択肢");
    replies.forEach(function (reply) {
      if (!reply || typeof reply.title !== "string") return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "quick-reply";
      button.textContent = reply.title;
      button.addEventListener("click", function () {
        sendMessage(String(reply.payload || reply.title), reply.title);
        el.input.focus();
      });
      group.appendChild(button);
    });
    el.log.appendChild(group);
  }

  function renderBotMessage(data) {
    if (!data || typeof data !== "object") return;
    var text = typeof data.text === "string" ? data.text : "";
    var replies = Array.isArray(data.quick_replies) ? data.quick_replies
      : Array.isArray(data.buttons) ? data.buttons : [];
    if (!text && data.attachment && data.attachment.payload && data.attachment.payload.src) {
      text = String(data.attachment.payload.src); // images are shown as a link
    }
    if (!text && !replies.length) return;
    addMessage("bot", text, { timestamp: data.timestamp, quickReplies: replies });
  }

  function renderHistory(messages) {
    el.log.textContent = "";
    if (!messages.length) {
      addMessage("bot", WELCOME, { note: true });
      return;
    }
    messages.forEach(function (m, index) {
      var last = index === messages.length - 1;
      addMessage(m.sender === "user" ? "user" : "bot", m.text, {
        timestamp: m.timestamp,
        quickReplies: last && m.sender === "bot" ? m.quick_replies : null,
      });
    });
  }

  // ------------------------------------------------------------------ typing indicator
  function setTyping(on) {
    clearTimeout(state.typingTimer);
    el.typing.hidden = !on;
    if (on) {
      state.typingTimer = setTimeout(function () { el.typing.hidden = true; }, TYPING_TIMEOUT_MS);
      scrollToEnd();
    }
  }

  // ------------------------------------------------------------------ connection status
  function setStatus(kind, text) {
    el.status.dataset.state = kind;
    el.statusText.textContent = text;
    var usable = kind === "online";
    el.send.disabled = !usable;
  }

  // ------------------------------------------------------------------ sending
  function sendMessage(text, display) {
    text = String(text || "");
    if (!text.trim()) return;
    clearQuickReplies();
    addMessage("user", display || text);
    var metadata = {};
    var token = load(KEY_TOKEN);
    if (token) metadata.token = token;
    if (display) metadata.display = display;
    var packet = { message: text, metadata: metadata };
    if (state.ready && state.socket) {
      state.socket.emit(state.config.user_message_evt, packet);
    } else {
      state.pending.push(packet);
    }
    setTyping(true);
  }

  function flushPending() {
    while (state.ready && state.pending.length) {
      state.socket.emit(state.config.user_message_evt, state.pending.shift());
    }
  }

  function onSubmit(event) {
    event.preventDefault();
    var text = el.input.value;
    if (!text.trim()) return;
    el.input.value = "";
    autoGrow();
    sendMessage(text);
    el.input.focus();
  }

  function autoGrow() {
    el.input.style.height = "auto";
    el.input.style.height = Math.min(el.input.scrollHeight, 160) + "px";
  }

  // Enter sends, Shift+Enter is a new line; never send while an IME is composing (Japanese input).
  function onKeyDown(event) {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    el.composer.requestSubmit ? el.composer.requestSubmit() : onSubmit(event);
  }

  // ------------------------------------------------------------------ socket.io
  function connect() {
    var config = state.config;
    var socket = window.io(window.location.origin + (config.namespace && config.namespace !== "/" ? config.namespace : ""), {
      path: config.socketio_path,
      transports: Array.isArray(config.transports) && config.transports.length ? config.transports : ["polling"],
      auth: function (cb) {
        var token = load(KEY_TOKEN);
        cb(token ? { token: token } : {});
      },
    });
    state.socket = socket;

    socket.on("connect", function () {
      state.ready = false;
      setStatus("connecting", "接続しています…");
      socket.emit("session_request", { session_id: load(KEY_SESSION) });
    });

    socket.on("session_confirm", function (sessionKey) {
      if (typeof sessionKey !== "string") return;
      var previous = load(KEY_SESSION);
      var sameConversation = previous && previous.split(".")[0] === sessionKey.split(".")[0];
      save(KEY_SESSION, sessionKey);
      if (!sameConversation) renderHistory([]); // a new conversation (history arrives otherwise)
      state.ready = true;
      setStatus("online", "オンライン");
      flushPending();
    });

    socket.on("session_history", function (data) {
      var messages = data && Array.isArray(data.messages) ? data.messages : [];
      renderHistory(messages);
    });

    socket.on(config.bot_message_evt, function (data) {
      renderBotMessage(data);
    });

    socket.on("bot_typing", function (data) {
      setTyping(Boolean(data && data.typing));
    });

    socket.on("session_error", function () {
      // The server lost our session (e.g. it restarted): ask for one again.
      state.ready = false;
      socket.emit("session_request", { session_id: load(KEY_SESSION) });
    });

    socket.on("disconnect", function () {
      state.ready = false;
      setTyping(false);
      setStatus("offline", "接続が切れました。再接続しています…");
    });

    socket.on("connect_error", function () {
      setStatus("offline", "サーバーに接続できません。再接続しています…");
    });
  }

  // 新しい会話 (and ログアウト): a fresh conversation; {new: true} also makes the server forget the
  // login token this connection was opened with (the page sends its current token with every message).
  function startNewConversation() {
    save(KEY_SESSION, null);
    state.pending = [];
    el.log.textContent = "";
    if (state.socket) {
      state.ready = false;
      state.socket.emit("session_request", { new: true });
    }
    el.input.focus();
  }

  // ログアウト on the server: the connection's login and the conversation's identity proof end.
  function endLoginOnServer() {
    if (state.socket) state.socket.emit("logout", {});
  }

  // ------------------------------------------------------------------ login (demo / embedding site)
  function showLogin() {
    var account = load(KEY_ACCOUNT);
    var loggedIn = Boolean(load(KEY_TOKEN));
    el.loginState.hidden = !loggedIn;
    el.demoForm.hidden = loggedIn || !state.config.demo_accounts.length;
    el.loginText.textContent = loggedIn ? "ログイン中：" + (account || "お客様") : "";
  }

  function setLogin(token, label) {
    save(KEY_TOKEN, token || null);
    save(KEY_ACCOUNT, token ? label : null);
    showLogin();
  }

  function setupDemoLogin() {
    var config = state.config;
    el.account.hidden = !(config.dev_mode || load(KEY_TOKEN));
    if (config.dev_mode && !config.demo_accounts.length) {
      el.accountNote.hidden = false;
      el.accountNote.textContent = "デモ顧客のデータがまだ登録されていません（fixtures/demo_accounts.yml）。";
    }
    config.demo_accounts.forEach(function (account) {
      var option = document.createElement("option");
      option.value = account.id;
      option.textContent = account.id + (account.name ? "　" + account.name : "");
      el.demoSelect.appendChild(option);
    });
    showLogin();

    el.demoForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var id = el.demoSelect.value;
      el.demoSubmit.disabled = true;
      fetch(new URL("api/demo-login", BASE), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ account_id: id }),
        credentials: "same-origin",
      })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (result) {
          if (!result.ok || !result.body.token) throw new Error("login failed");
          var name = result.body.name ? result.body.name + " 様" : "";
          setLogin(result.body.token, (name ? name + "（" + result.body.account_id + "）" : result.body.account_id));
          addMessage("bot", "デモ顧客 " + result.body.account_id + " としてログインしました。", { note: true });
          el.input.focus();
        })
        .catch(function () {
          addMessage("bot", "ログインできませんでした。しばらくしてからもう一度お試しください。", { note: true });
        })
        .then(function () { el.demoSubmit.disabled = false; });
    });

    // Logging out also starts a new conversation: the next person at this computer must not
    // see the account-specific answers of the previous customer.
    el.logout.addEventListener("click", function () {
      setLogin(null);
      endLoginOnServer();
      startNewConversation();
      (el.demoForm.hidden ? el.input : el.demoSelect).focus();
    });
  }

  // A company site that embeds this page in an iframe can hand over its customer's login token:
  //   iframe.contentWindow.postMessage({type: "madoguchi:login", token, label}, CHAT_ORIGIN)
  // Only origins listed in the channel's embed_origins are accepted.
  function setupEmbedding() {
    var origins = Array.isArray(state.config.embed_origins) ? state.config.embed_origins : [];
    window.addEventListener("message", function (event) {
      if (origins.indexOf(event.origin) === -1 || !event.data || typeof event.data !== "object") return;
      if (event.data.type === "madoguchi:login" && typeof event.data.token === "string") {
        el.account.hidden = false;
        setLogin(event.data.token, typeof event.data.label === "string" ? event.data.label : "");
      } else if (event.data.type === "madoguchi:logout") {
        setLogin(null);
        endLoginOnServer();
        startNewConversation();
      }
    });
  }

  // ------------------------------------------------------------------ start
  function start() {
    el.composer.addEventListener("submit", onSubmit);
    el.input.addEventListener("keydown", onKeyDown);
    el.input.addEventListener("input", autoGrow);
    el.newConversation.addEventListener("click", startNewConversation);
    setStatus("connecting", "接続しています…");

    if (typeof window.io !== "function") {
      setStatus("offline", "チャットを読み込めませんでした。");
      return;
    }
    fetch(new URL("api/config", BASE), { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error("config " + r.status);
        return r.json();
      })
      .then(function (config) {
        config.demo_accounts = Array.isArray(config.demo_accounts) ? config.demo_accounts : [];
        state.config = config;
        if (typeof config.max_message_chars === "number" && config.max_message_chars > 0) {
          el.input.maxLength = config.max_message_chars;
        }
        setupDemoLogin();
        setupEmbedding();
        connect();
      })
      .catch(function () {
        setStatus("offline", "チャットを開始できませんでした。ページを再読み込みしてください。");
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
