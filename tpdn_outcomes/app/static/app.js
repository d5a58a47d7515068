// tpdn_outcomes app: upload progress, job progress, drag and drop. Everything works without it.
"use strict";

function showError(form, text) {
  let box = form.querySelector("[data-error]");
  if (!box) {
    box = document.createElement("div");
    box.className = "error";
    box.setAttribute("role", "alert");
    box.setAttribute("data-error", "");
    form.prepend(box);
  }
  box.textContent = text;
}

function uploadWithProgress(form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const wrap = form.querySelector("[data-upload-progress]");
    const bar = wrap.querySelector("progress");
    const percent = wrap.querySelector("[data-upload-percent]");
    wrap.hidden = false;
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) {
        const p = Math.round((100 * e.loaded) / e.total);
        bar.value = p;
        percent.textContent = p + "%";
      }
    });
    xhr.addEventListener("load", () => {
      if (xhr.status < 400) {
        window.location.assign(xhr.responseURL);
        return;
      }
      const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      const msg = doc.querySelector(".error p, main p");
      wrap.hidden = true;
      showError(form, msg ? msg.textContent : "The file could not be sent (" + xhr.status + ").");
    });
    xhr.addEventListener("error", () => {
      wrap.hidden = true;
      showError(form, "The file could not be sent: is the app still running?");
    });
    xhr.send(new FormData(form));
  });
  const drop = form.querySelector("[data-drop]");
  const input = form.querySelector("input[type=file]");
  if (drop && input) {
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      input.files = e.dataTransfer.files;
    });
  }
}

function followJob(box) {
  // the server's job state: the library's real step and the fraction of the whole job
  const url = box.getAttribute("data-job");
  const bar = box.querySelector("progress");
  const message = box.querySelector("[data-job-message]");
  const percent = box.querySelector("[data-job-percent]");
  const seconds = box.querySelector("[data-job-seconds]");
  if (!bar) return;
  const tick = () => {
    fetch(url, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((job) => {
        if (job.state === "done") { window.location.assign(job.done_url); return; }
        if (job.state !== "running") { window.location.reload(); return; }
        bar.value = job.percent;
        bar.textContent = job.percent + "%";
        percent.textContent = job.percent;
        seconds.textContent = ", " + job.seconds + " s";
        // (a live region: changed only when the step does, so it is read once)
        if (message.textContent !== job.message) message.textContent = job.message;
        setTimeout(tick, 300);
      })
      .catch(() => setTimeout(tick, 1000));
  };
  tick();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-upload]").forEach(uploadWithProgress);
  document.querySelectorAll("[data-job]").forEach(followJob);
});
