import type { ReactNode } from 'react';
import { NavLink } from 'react-router';

/** Tabs that are pages: each has its own URL, so they can be linked to and the back button works. */
export function RouteTabs({ label, tabs }: { label: string; tabs: { to: string; label: ReactNode; isEnd?: boolean }[] }) {
  return (
    <nav className="tabs" aria-label={label}>
      {tabs.map((tab) => (
        <NavLink key={tab.to} to={tab.to} end={tab.isEnd}>
          {tab.label}
        </NavLink>
      ))}
    </nav>
  );
}
