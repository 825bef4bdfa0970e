/* Files uploaded one by one as soon as they are chosen, in parts, resumable (applications/apply/direct.py).
 *
 * Each part goes to the URL the portal gives for it: a presigned URL of the bucket (the bytes never pass
 * through the portal) or, without a bucket, the portal's own part endpoint. Which parts have arrived is asked
 * of the portal, so a dropped connection, a reload or another browser resumes from the last finished part:
 * the school re-selects the same file. Without this script the form posts its files the plain way.
 */
(function () {
  "use strict";
  var form = document.querySelector("form.application-form[data-begin-url]");
  if (!form || !window.XMLHttpRequest || !window.fetch || !window.Blob || !Blob.prototype.slice) return;

  var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  var token = form.querySelector("[name=submission_token]").value;
  var RETRIES = [2, 4, 8, 15, 30]; // seconds to wait before each new attempt at a part
  var active = 0; // uploads in progress: submitting waits for them

  function fmt(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    if (bytes >= 1024) return Math.round(bytes / 1024) + " KB";
    return bytes + " 字节";
  }
  function duration(seconds) {
    if (!isFinite(seconds)) return "";
    if (seconds < 60) return Math.max(1, Math.round(seconds)) + " 秒";
    return Math.floor(seconds / 60) + " 分 " + Math.round(seconds % 60) + " 秒";
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  function api(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Content-Type": "application/json", "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.error || (response.status === 403 ? "页面已过期，请刷新页面后重试。" : "服务器暂时无法处理，请稍后重试。"));
          error.status = response.status;
          error.final = response.status < 500 && response.status !== 429;
          throw error;
        }
        return data;
      });
    }, function () {
      var error = new Error("网络连接中断。");
      error.network = true;
      throw error;
    });
  }

  function sendPart(url, sameOrigin, blob, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      if (sameOrigin) xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.upload.onprogress = function (e) { onProgress(e.loaded); };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) return resolve();
        var error = new Error("分片上传失败（" + xhr.status + "）。");
        error.final = xhr.status === 403 && sameOrigin;
        reject(error);
      };
      xhr.onerror = xhr.ontimeout = xhr.onabort = function () {
        var error = new Error("网络连接中断。");
        error.network = true;
        reject(error);
      };
      xhr.send(blob);
    });
  }

  function wait(seconds) { return new Promise(function (r) { setTimeout(r, seconds * 1000); }); }

  /* One row of a field's list: a file being uploaded, or one uploaded before (rendered by the server). */
  function Row(list, name, size, item) {
    this.list = list;
    this.item = item || el("li", "upload uploading");
    this.item.dataset.name = name;
    this.item.dataset.size = size;
    if (!item) {
      this.item.appendChild(el("span", "upload-name", name));
      this.item.appendChild(el("span", "upload-size", fmt(size)));
      this.item.appendChild(el("span", "upload-state"));
      list.appendChild(this.item);
    }
    var box = this.item.querySelector(".upload-remove");
    if (box) box.hidden = true; // the script removes at once; the check box is the way without it
    this.state = this.item.querySelector(".upload-state");
    this.bar = el("progress");
    this.bar.max = size;
    this.bar.value = 0;
    this.bar.setAttribute("aria-label", name + " 上传进度");
    this.bar.hidden = true;
    this.item.insertBefore(this.bar, this.state);
    this.actions = el("span", "upload-actions");
    this.item.appendChild(this.actions);
    this.removeButton();
  }
  Row.prototype.show = function (state, text, isError) {
    this.item.className = "upload " + state;
    this.state.textContent = text;
    this.state.setAttribute("role", isError ? "alert" : "status");
    this.bar.hidden = state !== "uploading";
  };
  Row.prototype.button = function (label, cls, action) {
    var b = el("button", cls, label);
    b.type = "button";
    b.addEventListener("click", action);
    this.actions.appendChild(b);
    return b;
  };
  Row.prototype.removeButton = function () {
    var row = this;
    this.remove = this.button("删除", "link-button upload-delete", function () {
      row.cancelled = true;
      var id = row.item.dataset.uploadId;
      var done = function () { row.item.parentNode && row.item.parentNode.removeChild(row.item); };
      if (!id) return done();
      api("DELETE", "/apply/uploads/" + id + "/").then(done, function (error) {
        if (error.status === 404) return done();
        row.show("refused", "删除失败：" + error.message, true);
      });
    });
  };

  function Upload(field, file, row) {
    this.field = field;
    this.file = file;
    this.row = row;
  }
  Upload.prototype.start = function () {
    var self = this, row = this.row, file = this.file, counted = true;
    var stored = function () { if (counted) { counted = false; active -= 1; } };
    active += 1;
    row.cancelled = false;
    Array.prototype.slice.call(row.actions.querySelectorAll(".upload-resume")).forEach(function (b) { b.remove(); });
    row.show("uploading", "正在准备上传…");
    return api("POST", form.dataset.beginUrl, {
      token: token, field: this.field.name, name: file.name, size: file.size, modified: file.lastModified
    }).then(function (upload) {
      row.item.dataset.uploadId = upload.id;
      self.upload = upload;
      self.signed = { urls: upload.urls || {}, sameOrigin: upload.same_origin, at: Date.now(), life: upload.expires_in || 0 };
      if (upload.state !== "uploading") return upload;
      return self.sendParts(upload).then(function () {
        row.show("checking", "上传完毕，正在检查文件…");
        return api("POST", "/apply/uploads/" + upload.id + "/finish/");
      });
    }).then(function (upload) {
      stored(); // the file is in storage: the form may be submitted (an unfinished check is then done at once)
      return self.settle(upload, 0);
    }).catch(function (error) {
      if (row.cancelled) return;
      if (error.final) {
        row.show("refused", "文件“" + file.name + "”：" + error.message, true);
      } else {
        self.pause(error);
      }
    }).then(stored);
  };
  Upload.prototype.sendParts = function (upload) {
    var self = this, file = this.file, row = this.row;
    var received = {};
    upload.received.forEach(function (n) { received[n] = true; });
    var done = 0, n;
    for (n = 1; n <= upload.parts; n++) if (received[n]) done += Math.min(upload.part_size, file.size - (n - 1) * upload.part_size);
    var started = Date.now(), sentThisVisit = 0;
    var progress = function (partBytes) {
      var now = done + partBytes;
      row.bar.value = now;
      var seconds = (Date.now() - started) / 1000, rate = seconds > 1 ? (sentThisVisit + partBytes) / seconds : 0;
      var text = "已上传 " + fmt(now) + " / " + fmt(file.size) + "（" + Math.floor(now * 100 / file.size) + "%）";
      if (rate > 0) text += " · " + fmt(rate) + "/秒 · 剩余约 " + duration((file.size - now) / rate);
      row.show("uploading", text);
    };
    progress(0);
    var numbers = [];
    for (n = 1; n <= upload.parts; n++) if (!received[n]) numbers.push(n);
    return numbers.reduce(function (chain, number) {
      return chain.then(function () {
        if (row.cancelled) throw Object.assign(new Error("已取消"), { final: true });
        var start = (number - 1) * upload.part_size, blob = file.slice(start, Math.min(file.size, start + upload.part_size));
        return self.sendWithRetries(upload, number, blob, progress).then(function () {
          done += blob.size;
          sentThisVisit += blob.size;
          progress(0);
        });
      });
    }, Promise.resolve());
  };
  Upload.prototype.sendWithRetries = function (upload, number, blob, progress) {
    var attempt = 0, row = this.row, file = this.file;
    var signed = this.signed;
    var url = function () {
      // The URL given at the start, while it is still well within its life; else a fresh one.
      var fresh = signed.urls[number] && Date.now() - signed.at < (signed.life - 60) * 1000;
      if (fresh && attempt === 0) return Promise.resolve({ url: signed.urls[number], same_origin: signed.sameOrigin });
      return api("POST", "/apply/uploads/" + upload.id + "/parts/" + number + "/");
    };
    var once = function () {
      return url().then(function (part) {
        return sendPart(part.url, part.same_origin, blob, progress);
      }).catch(function (error) {
        if (error.final || row.cancelled || attempt >= RETRIES.length) throw error;
        var delay = RETRIES[attempt++];
        row.show("uploading", "网络不稳定，" + delay + " 秒后自动重试（第 " + attempt + " 次）… 已上传 " + fmt(row.bar.value) + " / " + fmt(file.size));
        return wait(delay).then(once);
      });
    };
    return once();
  };
  Upload.prototype.pause = function (error) {
    var self = this, row = this.row;
    row.show("paused", "上传中断（" + error.message + "）已上传 " + fmt(row.bar.value) + " / " + fmt(this.file.size) +
      "。已上传的部分已保存：点击“继续上传”，或换一台电脑重新选择该文件，都会从中断处继续。", true);
    row.bar.hidden = false;
    row.button("继续上传", "upload-resume", function () { self.start(); });
    var again = function () { window.removeEventListener("online", again); if (row.item.classList.contains("paused")) self.start(); };
    window.addEventListener("online", again);
  };
  // Seconds before asking again whether the check has finished: soon at first, then every 2 s, and after about two
  // minutes every 15 s (a stopped task worker must not use up the address's upload requests). The submission
  // finishes a check still running, so the school need not wait for it.
  var CHECK_WAITS = [0.4, 0.8, 1.5, 2], SLOW_AFTER = 60, SLOW_WAIT = 15;
  Upload.prototype.settle = function (upload, round) {
    var self = this, row = this.row;
    if (upload.state === "checking") {
      row.show("checking", round < SLOW_AFTER ? "已上传，正在检查文件（可以继续填写）…"
        : "已上传，检查尚未完成：可以继续填写并提交，提交时会完成检查。");
      var delay = round >= SLOW_AFTER ? SLOW_WAIT : CHECK_WAITS[Math.min(round, CHECK_WAITS.length - 1)];
      return wait(delay).then(function () {
        return api("GET", "/apply/uploads/" + upload.id + "/");
      }).then(function (u) { return self.settle(u, round + 1); }, function (error) {
        if (error.status === 404) {
          row.show("refused", "该文件已被删除（可能是在另一个窗口中操作），如需要请重新选择。", true);
          return;
        }
        return self.settle(upload, round + 1); // a poll that failed (network, busy): the file is stored, ask again
      });
    }
    if (upload.state === "accepted") {
      row.show("accepted", "已上传，检查通过");
      if (!this.field.multiple) removeOthers(this.field, row);
    } else if (upload.state === "refused") {
      row.show("refused", "文件“" + upload.name + "”" + upload.problem, true);
    }
  };

  function removeOthers(field, keep) {
    Array.prototype.slice.call(field.list.querySelectorAll("li")).forEach(function (item) {
      if (item !== keep.item && item.dataset.uploadId) {
        api("DELETE", "/apply/uploads/" + item.dataset.uploadId + "/").then(function () { item.remove(); }, function () {});
      }
    });
  }

  Array.prototype.slice.call(form.querySelectorAll("[data-upload-field]")).forEach(function (box) {
    var input = box.querySelector("input[type=file]");
    var field = {
      name: box.dataset.uploadField,
      multiple: !!box.dataset.multiple,
      list: document.getElementById("uploads-" + box.dataset.uploadField),
      input: input
    };
    input.removeAttribute("name"); // the files go ahead, one by one; the form then sends its text only
    input.removeAttribute("required");
    var rows = {};
    Array.prototype.slice.call(field.list.querySelectorAll("li")).forEach(function (item) {
      var row = new Row(field.list, item.dataset.name, +item.dataset.size, item);
      rows[item.dataset.name + "|" + item.dataset.size] = row;
      if (item.classList.contains("checking")) {
        new Upload(field, null, row).settle({ id: item.dataset.uploadId, state: "checking" }, 0);
      }
    });
    input.addEventListener("change", function () {
      Array.prototype.slice.call(input.files).forEach(function (file) {
        var key = file.name + "|" + file.size;
        var row = rows[key] && rows[key].item.parentNode && !rows[key].item.classList.contains("accepted") ? rows[key] : null;
        if (!row) {
          row = new Row(field.list, file.name, file.size);
          rows[key] = row;
        }
        new Upload(field, file, row).start();
      });
      input.value = "";
    });
  });

  var waitNote = el("p", "field-error upload-wait");
  waitNote.setAttribute("role", "alert");
  waitNote.hidden = true;
  var actions = form.querySelector(".actions");
  actions.parentNode.insertBefore(waitNote, actions);
  form.addEventListener("submit", function (e) {
    var action = e.submitter && e.submitter.value;
    waitNote.hidden = true;
    if (active > 0 && action !== "draft") {
      e.preventDefault();
      e.stopImmediatePropagation();
      waitNote.textContent = "还有 " + active + " 个文件正在上传，请等上传完成后再提交。";
      waitNote.hidden = false;
    } else if (active > 0 && !window.confirm("还有文件正在上传。现在暂存会中断上传（已上传的部分会保留，之后重新选择该文件可继续）。确定暂存吗？")) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
})();
