from sftlint.cli.main import main

raise SystemExit(main())
