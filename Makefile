# The two newcomer commands are `make demo` and `make test`; both set everything up first.
SHELL := bash
EMULATOR := target/debug/apolo-apps-emulator
DEMO_PORT ?= 8080

.PHONY: setup emulator pkg demo test bench docs clean

setup:
	bash scripts/setup.sh

emulator: setup
	cargo build -q -p apolo-apps-emulator

pkg: setup
	bash scripts/build-pkg.sh

demo: emulator pkg
	@echo "demo: open http://127.0.0.1:$(DEMO_PORT)/ in a browser (Ctrl-C stops the emulator)"
	$(EMULATOR) --seed demo --port $(DEMO_PORT) --serve /=www --serve /pkg=pkg

test: emulator
	bash scripts/test.sh

bench: setup
	bash scripts/bench.sh

# The API reference (HTML, from the TSDoc of pkg-template/index.d.ts) into target/docs/.
docs: setup
	target/packaging-tools/node_modules/.bin/typedoc --options typedoc.json

clean:
	rm -rf target pkg test-output
