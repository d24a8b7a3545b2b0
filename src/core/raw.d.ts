/** Text files imported whole (Vite's `?raw`, in the app, its tests and its build). */
declare module '*.py?raw' {
  const text: string;
  export default text;
}
