from noisecircuits.cli import main

raise SystemExit(main())
