from sftlint.cli import main

raise SystemExit(main())
