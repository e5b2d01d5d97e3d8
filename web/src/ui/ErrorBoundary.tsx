// A render error in one page shows a message (and keeps the header) instead of a blank page.
import { Component, type ReactNode } from "react";

export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  override render() {
    if (this.state.error) {
      return (
        <div className="notice notice-error" role="alert">
          This page failed to render: {this.state.error.message}. Reload the page; if it happens
          again, report it with this message.
        </div>
      );
    }
    return this.props.children;
  }
}
