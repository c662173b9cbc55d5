// healthpov behaviour (no inline scripts: CSP)
