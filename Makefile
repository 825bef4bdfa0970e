# `make run`: set up everything and serve the portal. `make test`: set up the test tools and run every test.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= portal.settings.dev

.PHONY: run test install install-dev browser migrate seed serve clean prod-local prod-local-stop

# glibc allocator settings for the server: upload pieces (1 MB) come from the heap and are reused, larger
# buffers (8 MB bucket parts) are returned to the system at once, two arenas at most. Memory stays flat under
# large uploads without paying for fresh pages on every piece. bench/upload.py runs its server with the same.
ALLOCATOR_ENV := MALLOC_MMAP_THRESHOLD_=4194304 MALLOC_ARENA_MAX=2

# Installation uses uv (from PyPI, into the virtualenv) when it can: a fresh install of the test tools takes about
# 11 s with uv against more than 2 minutes with pip. If uv cannot be installed, pip does the same work.
# Each step says what it does; the installers print their own progress.
PIP_INSTALL = if [ -x $(VENV)/bin/uv ]; then $(VENV)/bin/uv pip install --python $(PY) -r $(1); \
	else $(PY) -m pip install --progress-bar off -r $(1); fi

$(VENV)/bin/activate:
	@echo "==> Creating the virtualenv $(VENV)"
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	@echo "==> Installing uv into $(VENV) (falls back to pip if PyPI has no uv for this machine)"
	$(PY) -m pip install --quiet --disable-pip-version-check uv || echo "uv could not be installed: installing with pip (slower)"

$(VENV)/.installed: $(VENV)/bin/activate requirements.txt
	@echo "==> Installing the runtime dependencies (requirements.txt)"
	$(call PIP_INSTALL,requirements.txt)
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	@echo "==> Installing the test tools (requirements-dev.txt)"
	$(call PIP_INSTALL,requirements-dev.txt)
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

var:
	mkdir -p var

migrate: install var
	@echo "==> Migrating the database"
	$(PY) manage.py migrate --no-input

seed: migrate
	@echo "==> Loading the 2019 call and the 【演示】 demo call"
	$(PY) manage.py load_initial_data --demo
	@echo "==> Creating the groups and the demo accounts"
	$(PY) manage.py setup_portal --demo-accounts

run: seed
	@echo "==> Collecting static files"
	$(PY) manage.py collectstatic --no-input --verbosity 0
	@echo "==> Serving 申报门户: http://127.0.0.1:$(PORT)/  (管理后台 /admin/)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production-style server (gunicorn; settings from the environment: DJANGO_SECRET_KEY, DATABASE_URL, …).
serve: install var
	DJANGO_SETTINGS_MODULE=portal.settings.production $(PY) manage.py migrate --no-input
	DJANGO_SETTINGS_MODULE=portal.settings.production $(PY) manage.py collectstatic --no-input --verbosity 0
	$(ALLOCATOR_ENV) DJANGO_SETTINGS_MODULE=portal.settings.production $(VENV)/bin/gunicorn -c portal/gunicorn.conf.py portal.wsgi

# The production stack on this machine (deploy/prod-local): nginx with its front cache -> two gunicorn instances,
# with PostgreSQL, Redis, an S3 server (moto) and the task worker. Installs nginx, its cache purge module and wrk
# as root when missing.
prod-local: install-dev var
	@{ command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; } && [ -f /usr/lib/nginx/modules/ngx_http_cache_purge_module.so ] \
	  || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	  nginx-light libnginx-mod-http-cache-purge wrk >var/apt-stack.log 2>&1; } || true
	PORT=$(if $(PROD_PORT),$(PROD_PORT),8080) deploy/prod-local

prod-local-stop:
	deploy/prod-local stop

# The browser journeys (tests/e2e) drive Debian's Chromium, with a CJK font so that screenshots show Chinese;
# the malware tests start Debian's clamd with a signature database of their own (tests/test_malware.py); the
# front cache's tests run deploy/nginx.conf in Debian's nginx with its purge module (tests/test_nginx_front_cache.py).
# As root with apt-get they are installed when missing (nginx's own service, which Debian starts on port 80, is
# stopped: the tests and make prod-local start nginx themselves); otherwise those tests are skipped with this command.
E2E_PACKAGES := chromium fonts-wqy-microhei clamav-daemon nginx-light libnginx-mod-http-cache-purge
E2E_INSTALL := apt-get update && apt-get install -y --no-install-recommends $(E2E_PACKAGES)

browser: var
	@if [ -x /usr/bin/chromium ] && [ -x /usr/sbin/clamd ] && { [ -d /usr/share/fonts/truetype/wqy ] || [ -d /usr/share/fonts/opentype/noto ]; } \
	  && [ -f /usr/lib/nginx/modules/ngx_http_cache_purge_module.so ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Chromium, a CJK font, clamd and nginx for the browser, malware and front cache tests (log: var/apt-e2e.log)"; \
	  ( apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    -o DPkg::Lock::Timeout=300 $(E2E_PACKAGES) && { service nginx stop || true; } ) >var/apt-e2e.log 2>&1 \
	  || echo "apt-get failed (see var/apt-e2e.log): the browser, malware and front cache tests will be skipped"; \
	else \
	  echo "Browser, malware and front cache tests will be skipped: Chromium, a CJK font, clamd or nginx is missing. As root: $(E2E_INSTALL)"; \
	fi

test: install-dev var browser
	@echo "==> Running the tests"
	DJANGO_SETTINGS_MODULE=portal.settings.test $(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf var/portal.sqlite3 var/media var/static var/private
