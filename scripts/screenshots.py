"""Screenshots of bangfu's pages as each role sees them, at office and phone sizes, with checks.

Run through scripts/screenshots (which builds the binary and prepares selenium and axe-core).
Writes PNGs, printed PDFs and report.md into --out; exits 1 when a check fails (horizontal
scrolling, a header over one line at office widths, a console error, a code or a login in the
page's text, a file field without the Chinese picker, a serious or critical axe violation at
1280 or 390 px, a printed report or dashboard over two A4 pages).
"""

import argparse
import base64
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions

PASSWORD = "screenshots-password-1"
SIZES = [("1280", 1280, 800), ("1366", 1366, 900), ("390", 390, 844)]
# login, role, unit, name
USERS = [
    ("jw-clerk", "reporter", "jw", "王晓梅"),
    ("fgw", "coordinator", None, "李建国"),
    ("leader", "viewer", None, "张副区长"),
    ("czj", "finance", None, "赵会计"),
    ("sj", "auditor", None, "孙审计"),
    ("zzb-clerk", "reporter", "zzb", "周立新"),
]
# What no page's text may match: a period code (2018Q1), a form row's dotted code of three or
# more parts, an audit action code (problem.update), a login of the users above.
CODES = re.compile(
    r"\b20\d\dQ[1-4]\b|\b[1-9](\.\d{1,2}){2,3}\b"
    r"|\b(report|ledger|problem|user|token|login|plan|registry|notify|evidence|area|finding"
    r"|project|task)\.[a-z_]+")
LOGINS = re.compile(r"\b(jw-clerk|zzb-clerk|fgw|leader|czj|sj|admin)\b")
# The accounts' own pages name their logins: that is what they manage.
ACCOUNT_PAGES = ("/admin/users", "/audit")
PAGES = {
    "admin": ["/admin/users", "/admin/robots", "/audit"],
    "jw-clerk": [
        "/home", "/reports/2018Q1/jw", "/reports/2018Q2/jw", "/reports/2018Q3/jw", "/tasks",
        "/problems", "/notices", "/account/notify", "/account/password", "/account/tokens",
        "/", "/areas", "/assessment", "/admin/users", "/no-such-page", "/registries",
        "/registries/talent", "/registries/talent/entries/1", "/registries/talent/import",
    ],
    "zzb-clerk": ["/home", "/tasks/2.2-1"],
    "fgw": [
        "/home", "/completeness", "/summary/2018Q1", "/summary/2018Q1?include_drafts=true",
        "/dashboard", "/reports/2018Q1/jw", "/problems", "/problems/1", "/assessment",
        "/notify/deliveries", "/reconciliation/2018Q1", "/tasks", "/tasks/2.2-1", "/pairings",
        "/areas/cyqq", "/reconciliation/2018Q1/registries",
        "/reconciliation/2018Q1/registries?row=4.2",
    ],
    "leader": ["/home", "/dashboard", "/summary/2018Q1"],
    "czj": ["/home", "/ledger", "/ledger?days=三十", "/ledger/projects", "/ledger/projects/1",
            "/ledger/transactions", "/ledger/import"],
    "sj": ["/audit", "/audit?from=2018-13-01", "/ledger", "/ledger/projects/1"],
}
PRINTED = [("fgw", "/reports/2018Q1/jw", "report"), ("jw-clerk", "/reports/2018Q2/jw", "report-editable"),
           ("leader", "/dashboard", "dashboard")]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Api:
    """A logged-in API session (cookie and CSRF token)."""

    def __init__(self, base, login):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = ""
        self.csrf = self.call("POST", "/api/v1/login", {"login": login, "password": PASSWORD})[
            "csrf_token"
        ]

    def call(self, method, path, body=None, form=None):
        headers = {"X-CSRF-Token": self.csrf}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if form is not None:
            form = dict(form, csrf=self.csrf)
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with self.opener.open(req) as r:
            text = r.read().decode()
            return json.loads(text) if text.startswith(("{", "[")) else text


def seed(bangfu, env, base):
    """Users, one submitted report, one draft, a problem, a project: pages with something on them."""
    for login, role, unit, name in USERS:
        args = [bangfu, "user", "add", "--login", login, "--role", role, "--name", name,
                "--phone", "010-69240000"]
        if unit:
            args += ["--unit", unit]
        subprocess.run(args, env=dict(env, BANGFU_PASSWORD=PASSWORD), check=True,
                       stdout=subprocess.DEVNULL)
    jw = Api(base, "jw-clerk")
    values = [("1.3", "3"), ("1.7", "0"), ("4.2", "12"), ("4.2.1", "10"), ("4.2.2", "2")]
    # Two teachers in 人才交流 (entry 1 is shown on its own page): 四、2 counts 2, 12 reported.
    for name in ["张老师", "李老师"]:
        jw.call("POST", "/api/v1/registries/talent/entries", {"values": {
            "person": name, "direction": "东部到西部", "kind": "教师", "level": "区级",
            "area": "察右前旗", "starts_on": "2018-01-15", "batch": "第一批"}})
    # The register counts 2 teachers: the reported figures explain the difference (说明).
    note = {"4.2": "另有10名教师的台账待补录", "4.2.1": "另有8名教师的台账待补录",
            "4.2.2": "2名受援地教师来京跟岗，台账待补录"}
    jw.call("PUT", "/api/v1/reports/2018Q1/jw/values", {
        "values": [{"indicator": i, "value": v, "comment": note.get(i, "")} for i, v in values],
        "narrative": {
            "progress": "向察右前旗选派骨干教师10名，开展“手拉手”学校结对3对；组织和田县校长来京跟岗培训。",
            "problems": "受援地学校网络条件差，远程教研难以常态化。",
            "next_steps": "下季度再选派一批教师，推动远程课堂建设。",
        },
    })
    jw.call("POST", "/api/v1/reports/2018Q1/jw/submit", {})
    jw.call("PUT", "/api/v1/reports/2018Q2/jw/values", {"values": [{"indicator": "1.3", "value": "4"}]})
    zzb = Api(base, "zzb-clerk")
    zzb.call("POST", "/tasks/2.2-1/progress", form={"target": "0", "period": "2018Q1",
                                                    "quantity": "1", "note": "举办对口协作干部培训班"})
    fgw = Api(base, "fgw")
    fgw.call("POST", "/problems", form={"description": "学校结对协议尚未签订", "unit": "jw",
                                        "due": "2018年6月30日"})
    czj = Api(base, "czj")
    czj.call("POST", "/api/v1/budgets", {"year": "2018", "area": "cyqq", "source": "district",
                                         "amount": "2000000"})
    czj.call("POST", "/api/v1/projects", {"name": "察右前旗第一中学教学楼", "area": "察右前旗",
                                          "sector": "教育", "unit": "区教委",
                                          "approved_amounts": {"区级单独安排": "1500000"}})


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-CN",
                "--hide-scrollbars"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "SEVERE"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def login(driver, base, who):
    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.ID, "login").send_keys(who)
    driver.find_element(By.ID, "password").send_keys(
        os.environ["BANGFU_ADMIN_PASSWORD"] if who == "admin" else PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form[action='/login'] button").click()
    time.sleep(0.3)


MEASURE = """
const header = document.querySelector('header.site');
const bare = [...document.querySelectorAll('input[type=file]')].filter(i => {
  const label = i.closest('label.file-pick');
  const button = label && label.querySelector('.file-button');
  return !button || button.textContent.trim() !== '选择文件';
}).length;
return {
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  header: header ? Math.round(header.getBoundingClientRect().height) : 0,
  title: document.title,
  text: document.body.innerText,
  bare: bare,
};
"""

AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(
  v => ({id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help})))).catch(e => done([{id: 'axe-error', impact: 'critical', nodes: 0, help: String(e)}]));
"""


def check_page(driver, axe_source, width, path):
    m = driver.execute_script(MEASURE)
    problems = []
    if m["overflow"] > 1:
        problems.append(f"横向滚动 {m['overflow']}px")
    if width >= 1280 and m["header"] > 64:
        problems.append(f"页头高 {m['header']}px（超过一行）")
    errors = [e["message"] for e in driver.get_log("browser")
              if "favicon" not in e["message"] and "404" not in e["message"]
              and "403" not in e["message"] and "422" not in e["message"]]
    problems += [f"控制台错误：{e}" for e in errors]
    shown = sorted({hit.group(0) for hit in CODES.finditer(m["text"])})
    if not path.startswith(ACCOUNT_PAGES):
        shown += sorted({hit.group(0) for hit in LOGINS.finditer(m["text"])})
    if shown:
        problems.append(f"显示代码或登录名：{'、'.join(shown)}")
    if m["bare"]:
        problems.append(f"{m['bare']} 个文件选择框没有中文“选择文件”")
    violations = []
    if width in (1280, 390):
        driver.execute_script(axe_source)
        driver.set_script_timeout(30)
        violations = driver.execute_async_script(AXE)
        for v in violations:
            if v["impact"] in ("serious", "critical"):
                problems.append(f"axe {v['impact']}：{v['id']}（{v['nodes']} 处）{v['help']}")
    return m, problems


def pdf_pages(pdf):
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--axe", required=True)
    args = ap.parse_args()
    axe_source = open(args.axe, encoding="utf-8").read()
    work = tempfile.mkdtemp()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, BANGFU_DATABASE_URL=f"sqlite://{work}/bangfu.db",
               BANGFU_ADMIN_PASSWORD="screenshots-admin-password", BANGFU_LOG="warn")
    os.environ["BANGFU_ADMIN_PASSWORD"] = env["BANGFU_ADMIN_PASSWORD"]
    subprocess.run([args.bin, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen([args.bin, "serve", "--addr", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        seed(args.bin, env, base)
        driver = browser()
        report = ["# 页面检查", "", "| 角色 | 页面 | 宽度 | 页头高 | 问题 |", "|---|---|---|---|---|"]
        failures = 0
        for who, pages in PAGES.items():
            login(driver, base, who)
            for path in pages:
                for name, w, h in SIZES:
                    driver.set_window_size(w, h)
                    driver.get(base + path)
                    time.sleep(0.2)
                    slug = path.strip("/").replace("/", "_") or "plan"
                    driver.save_screenshot(os.path.join(args.out, f"{who}-{slug}-{name}.png"))
                    m, problems = check_page(driver, axe_source, w, path)
                    failures += len(problems)
                    report.append(f"| {who} | {path} | {name} | {m['header']} | "
                                  f"{'；'.join(problems) or '—'} |")
        report += ["", "# 打印（A4 纵向）", ""]
        for who, path, name in PRINTED:
            login(driver, base, who)
            driver.set_window_size(1280, 800)
            driver.get(base + path)
            options = PrintOptions()
            options.page_width, options.page_height = 21.0, 29.7
            options.orientation = "portrait"
            pdf = base64.b64decode(driver.print_page(options))
            open(os.path.join(args.out, f"print-{name}.pdf"), "wb").write(pdf)
            pages = pdf_pages(pdf)
            ok = pages <= 2
            failures += 0 if ok else 1
            report.append(f"- {path}（{who}）：{pages} 页{'' if ok else '，超过 2 页'}")
        driver.quit()
        open(os.path.join(args.out, "report.md"), "w", encoding="utf-8").write(
            "\n".join(report) + "\n")
        print("\n".join(report))
        print(f"\n{failures} 处问题；截图与报告在 {args.out}")
        return 1 if failures else 0
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
