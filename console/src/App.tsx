/** Layout, navigation by role, and the page switch. */
import type { ReactNode } from 'react';
import type { Role } from './api';
import { Accounts } from './pages/Accounts';
import { CampaignDetail } from './pages/CampaignDetail';
import { Campaigns } from './pages/Campaigns';
import { Carriers } from './pages/Carriers';
import { Dashboard } from './pages/Dashboard';
import { Finance } from './pages/Finance';
import { MessageDetail } from './pages/MessageDetail';
import { Messages } from './pages/Messages';
import { Reports } from './pages/Reports';
import { Review } from './pages/Review';
import { SendTest } from './pages/SendTest';
import { SignIn } from './pages/SignIn';
import { Link, useConsole } from './state';

interface PageDef {
  readonly path: string;
  readonly label: string;
  readonly roles: readonly Role[];
  readonly render: () => ReactNode;
}

/** Which role sees which page; the gateway enforces the same on every call. */
export const PAGES: readonly PageDef[] = [
  { path: '/', label: 'Dashboard', roles: ['admin', 'customer'], render: () => <Dashboard /> },
  { path: '/messages', label: 'Messages', roles: ['admin', 'customer'], render: () => <Messages /> },
  { path: '/campaigns', label: 'Campaigns', roles: ['admin', 'customer'], render: () => <Campaigns /> },
  { path: '/review', label: 'Review', roles: ['admin', 'reviewer'], render: () => <Review /> },
  { path: '/carriers', label: 'Carriers & routes', roles: ['admin'], render: () => <Carriers /> },
  { path: '/accounts', label: 'Accounts & apps', roles: ['admin', 'finance', 'customer'], render: () => <Accounts /> },
  { path: '/finance', label: 'Finance', roles: ['admin', 'finance'], render: () => <Finance /> },
  { path: '/reports', label: 'Reports', roles: ['admin', 'finance'], render: () => <Reports /> },
  { path: '/send', label: 'Send test', roles: ['admin', 'customer'], render: () => <SendTest /> },
];

export function App() {
  const { session, role, signOut, path } = useConsole();
  if (!session || !role) return <SignIn />;
  const visible = PAGES.filter((p) => p.roles.includes(role));
  let route = path.split('?')[0] ?? '/';
  // Roles without a dashboard land on their first page.
  if (route === '/' && !visible.some((p) => p.path === '/')) route = visible[0]?.path ?? '/';
  let content: ReactNode;
  const detail = /^\/messages\/([0-9a-f-]{36})$/i.exec(route);
  const campaign = /^\/campaigns\/([0-9a-f-]{36})$/i.exec(route);
  if (detail && visible.some((p) => p.path === '/messages')) content = <MessageDetail id={detail[1]!} />;
  else if (campaign && visible.some((p) => p.path === '/campaigns')) content = <CampaignDetail key={campaign[1]} id={campaign[1]!} />;
  else content = visible.find((p) => p.path === route)?.render() ?? <p className="muted">No such page.</p>;
  const who = session.kind === 'operator' ? 'operator token' : `${session.email} (${session.role})`;
  return (
    <div className="layout">
      <nav className="sidebar" aria-label="Console">
        <div className="brand">
          smsgw <span>console</span>
        </div>
        {visible.map((p) => (
          <Link key={p.path} to={p.path} className={route === p.path || (p.path !== '/' && route.startsWith(`${p.path}/`)) ? 'active' : ''}>
            {p.path === '/accounts' && role === 'customer' ? 'My account' : p.label}
          </Link>
        ))}
        <div className="who">
          <div className="muted">Signed in with</div>
          <div data-testid="who">{who}</div>
          <button className="link" onClick={signOut}>
            Sign out
          </button>
        </div>
      </nav>
      <main>{content}</main>
    </div>
  );
}
